//! Official marketplace API specifications (Swagger 2.0 / OpenAPI 3.0) and a validator that checks
//! the adapters' requests and the simulators' responses against them.

pub mod openapi;

pub use openapi::{Operation, Problem, Spec};
