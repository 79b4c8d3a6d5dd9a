//! tickcast-client: a native client library for tickcast servers.
