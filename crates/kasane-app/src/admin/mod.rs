//! Administration: sessions (login, logout, who a request is, 「延長する」), municipalities,
//! staff (職員管理) and the audit log. No personal data of the persons supported.

pub mod audit_log;
pub mod municipality;
pub mod session;
pub mod staff;
