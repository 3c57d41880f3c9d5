//! Administration: sessions (login, logout, who a request is), municipalities, users and
//! the audit log. No personal data of the persons supported.

pub mod audit_log;
pub mod municipality;
pub mod session;
