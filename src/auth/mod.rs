//! Who is calling: organisers' passwords (argon2id), their access tokens (JWT), and the
//! extractors that demand them.

mod password;
mod token;

pub use password::{CheckError, PasswordHasher, hash_password};
pub use token::TokenService;
