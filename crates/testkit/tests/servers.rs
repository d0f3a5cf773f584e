//! The kit's servers start, answer, and are gone once dropped.

use std::net::TcpStream;

use trellis_testkit::{Postgres, S3};

fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[test]
fn postgres_starts_makes_databases_and_stops() {
    let postgres = Postgres::start().unwrap();
    let port = postgres.port();
    assert!(listening(port));
    let url = postgres.create_database("kit_check").unwrap();
    assert_eq!(
        url,
        format!("postgres://postgres@127.0.0.1:{port}/kit_check")
    );
    // A second cluster runs beside the first.
    let other = Postgres::start().unwrap();
    assert_ne!(other.port(), port);
    drop(postgres);
    assert!(!listening(port), "PostgreSQL still listens after drop");
}

#[test]
fn s3_starts_makes_buckets_and_stops() {
    let s3 = S3::start().unwrap();
    s3.create_bucket("kit-check").unwrap();
    let endpoint = s3.endpoint();
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        s3.env()
            .iter()
            .any(|(name, value)| *name == "AWS_ENDPOINT_URL" && *value == endpoint)
    );
    drop(s3);
    assert!(!listening(port), "moto still listens after drop");
}
