//! A throwaway PKI for the TLS tests: a CA and leaf certificates it signs for
//! `localhost` and `127.0.0.1`, written as PEM files into a temporary directory.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use std::path::PathBuf;

/// The CA and the directory its files live in (removed on drop).
pub struct Pki {
    pub dir: PathBuf,
    ca: rcgen::Certificate,
    ca_key: KeyPair,
    /// `ca.pem`
    pub ca_file: PathBuf,
    /// `server.crt` / `server.key`: where [`Pki::issue`] writes the leaf.
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl Pki {
    pub fn new(tag: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("tickcast-pki-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "tickcast test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca = params.self_signed(&ca_key).unwrap();
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        Pki {
            cert_file: dir.join("server.crt"),
            key_file: dir.join("server.key"),
            dir,
            ca,
            ca_key,
            ca_file,
        }
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> Vec<u8> {
        self.ca.der().to_vec()
    }

    /// Sign a new leaf named `cn` (for localhost and 127.0.0.1), write it over
    /// `server.crt` / `server.key`, and return its DER.
    pub fn issue(&self, cn: &str) -> Vec<u8> {
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let leaf = params.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        // Key first: a reload between the two writes sees a mismatch and keeps the
        // old pair rather than serving a half-written one.
        std::fs::write(&self.key_file, key.serialize_pem()).unwrap();
        std::fs::write(&self.cert_file, leaf.pem()).unwrap();
        leaf.der().to_vec()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
