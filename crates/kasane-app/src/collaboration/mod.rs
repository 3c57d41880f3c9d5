//! 多機関協働: cases (their status, agencies, lead and hand-over), アセスメント, 本人同意,
//! 支援会議 / 重層的支援会議 (members, agenda, minutes, roles) and 支援プラン with monitoring
//! and evaluation.
