pub mod access;
pub mod audit;
pub mod fiscal_year;
pub mod identity;
pub mod municipality;
pub mod wareki;
