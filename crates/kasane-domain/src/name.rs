//! 氏名・フリガナ: the newtypes that accept a person's name, and the keys 名寄せ compares.
//!
//! Names are stored as written (the 戸籍 form matters to the person); only the keys fold
//! 表記ゆれ away. Folding rules, in order:
//!
//! 1. `゛` `゜` typed as separate characters become combining marks, so `ウ゛` reads as `ヴ`.
//! 2. NFKC: half-width katakana → full-width (`ｻｲﾄｳ` → `サイトウ`, `ｶﾞ` → `ガ`), full-width
//!    ASCII → ASCII, CJK compatibility ideographs → unified (see [`ITAIJI`]).
//! 3. Whitespace, invisible characters, variation selectors (IVS: `辻󠄀` → `辻`) and name
//!    separators (`・` `·` `=`) are removed — before composing, so `ｳ ﾞ` is `ヴ` as well.
//! 4. Hiragana → katakana; small kana → large (`ァ`→`ア`, `ッ`→`ツ`, `ャ`→`ヤ`, `ヵ`→`カ`,
//!    `ヶ`→`ケ` …): legacy systems could not store small kana, so `キヨウコ` is `キョウコ`.
//! 5. Sounds kana spell two ways: `ヴァ` `ヴィ` `ヴェ` `ヴォ` → `バ` `ビ` `ベ` `ボ` and any
//!    other `ヴ`→`ブ` (`ヴィクトル` / `ビクトル`), `ヂ`→`ジ`, `ヅ`→`ズ`, `ヲ`→`オ`, and the old
//!    `ヰ`→`イ`, `ヱ`→`エ` (elderly people's names: `スヱ` / `スエ`).
//! 6. A long vowel written `ー`, `ウ` or `ウー` after an o- or u-row kana is one sound:
//!    `イチロー` / `イチロウ` / `イチロウー` → `イチロウ`, `ユーコ` → `ユウコ`. Any other `ー`
//!    is kept (`ヨーコ` and `ヨコ`, `マリー` and `マリ` differ); its lookalikes (`-` `－` `‐`
//!    `−` `―` `─` `ｰ`) are `ー`. Dakuten are kept: `サイトウ` and `サイドウ` differ.
//! 7. ASCII letters are upper-cased.
//! 8. Iteration marks are spelled out: `佐々木` → `佐佐木`, `みすゞ` → `ミスズ`.
//! 9. 異体字・旧字体 → one canonical character ([`canonical_char`]), from the table in
//!    `data/itaiji.txt` ([`variant_groups`]).
//!
//! The keys are stored (`person.name_key` …): a change to any rule here bumps
//! [`KEY_VERSION`], and the store recomputes the stored keys when it migrates.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::compose;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("氏名を入力してください")]
    EmptyName,
    #[error("氏名は60文字以内で入力してください")]
    NameTooLong,
    #[error("氏名に使用できない文字(制御文字・見えない文字)が含まれています")]
    NameControlChar,
    #[error("フリガナを入力してください")]
    EmptyFurigana,
    #[error("フリガナは100文字以内で入力してください")]
    FuriganaTooLong,
    #[error("フリガナはカタカナまたはひらがなで入力してください(使用できない文字: 「{0}」)")]
    FuriganaNotKana(char),
}

/// 氏名, as written (kanji, kana, Latin letters…), with one ASCII space between the family
/// name and the given name when the writer separated them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 60;

    /// Trims, collapses every run of whitespace (including the full-width space U+3000) to
    /// one ASCII space, and refuses empty, over-long or control-character input.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        // Tabs and newlines from a pasted spreadsheet cell are separators.
        if s.chars().any(|c| !c.is_whitespace() && is_invisible(c)) {
            return Err(NameError::NameControlChar);
        }
        let name = collapse_whitespace(s);
        if name.is_empty() {
            return Err(NameError::EmptyName);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(NameError::NameTooLong);
        }
        Ok(PersonName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the first space (the whole name when there is none).
    pub fn family(&self) -> &str {
        self.0
            .split_once(' ')
            .map_or(self.0.as_str(), |(family, _)| family)
    }

    /// The part after the first space; `None` when the name was written without one.
    pub fn given(&self) -> Option<&str> {
        self.0.split_once(' ').map(|(_, given)| given)
    }

    /// The 名寄せ key ([`match_key`]).
    pub fn match_key(&self) -> String {
        match_key(&self.0)
    }
}

impl TryFrom<String> for PersonName {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PersonName::parse(&s)
    }
}

impl From<PersonName> for String {
    fn from(n: PersonName) -> String {
        n.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// フリガナ, stored as full-width katakana with one ASCII space between family and given
/// name. Optional at the call site (`Option<Furigana>`); `parse` refuses empty input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Furigana(String);

impl Furigana {
    pub const MAX_CHARS: usize = 100;

    /// Accepts hiragana, katakana (full or half width), `ー` (and the hyphens people type
    /// for it), `・` between parts of a foreign name, and spaces.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let normalised: String = s.chars().map(spacing_to_combining_mark).nfkc().collect();
        let collapsed = collapse_whitespace(&normalised);
        if collapsed.is_empty() {
            return Err(NameError::EmptyFurigana);
        }
        let mut out = String::with_capacity(collapsed.len());
        for c in collapsed.chars() {
            let c = hiragana_to_katakana(c);
            let c = if is_long_vowel_lookalike(c) { 'ー' } else { c };
            if c == ' ' || is_furigana_katakana(c) {
                out.push(c);
            } else {
                return Err(NameError::FuriganaNotKana(c));
            }
        }
        if out.chars().count() > Self::MAX_CHARS {
            return Err(NameError::FuriganaTooLong);
        }
        Ok(Furigana(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn family(&self) -> &str {
        self.0
            .split_once(' ')
            .map_or(self.0.as_str(), |(family, _)| family)
    }

    pub fn given(&self) -> Option<&str> {
        self.0.split_once(' ').map(|(_, given)| given)
    }

    /// The comparison key ([`kana_key`]).
    pub fn kana_key(&self) -> String {
        kana_key(&self.0)
    }
}

impl TryFrom<String> for Furigana {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Furigana::parse(&s)
    }
}

impl From<Furigana> for String {
    fn from(f: Furigana) -> String {
        f.0
    }
}

impl fmt::Display for Furigana {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The version of the key rules ([`match_key`], [`kana_key`], the 異体字 table). Keys stored
/// under another version are recomputed (`Store::migrate`); bump it with any change that
/// can change a key. 1: the rules before versions were kept; 2: ヴァ/バ, long vowels and
/// the Unihan table.
pub const KEY_VERSION: i64 = 2;

/// The 名寄せ key of a name: two names with the same key are the same name written
/// differently (異体字, kana, width, spaces). See the module docs for the rules.
pub fn match_key(s: &str) -> String {
    fold_to_fixed_point(s, true)
}

/// The comparison key of a フリガナ: the kana rules of [`match_key`] (spaces removed, small
/// kana folded, dakuten kept) without the kanji table, since a フリガナ holds no kanji.
pub fn kana_key(furigana: &str) -> String {
    fold_to_fixed_point(furigana, false)
}

/// The reading of a name written in kana only (`わたなべ さちこ`, `ﾜﾀﾅﾍﾞ`): its
/// [`kana_key`], to compare with a フリガナ. `None` for a name with any other character.
pub fn reading_of_name(name: &str) -> Option<String> {
    let normalised: String = name.chars().map(spacing_to_combining_mark).nfkc().collect();
    let kana_only = normalised.chars().all(|c| {
        let c = hiragana_to_katakana(c);
        c.is_whitespace()
            || is_separator(c)
            || is_long_vowel_lookalike(c)
            || is_furigana_katakana(c)
    });
    let key = kana_key(name);
    (kana_only && !key.is_empty()).then_some(key)
}

/// The search key of the given name (名) of a stored name: the [`match_key`] of what follows
/// its first space, `None` when the name has no given part. A search matches the start of
/// the whole key or of this one, so both 「佐藤」 and 「花子」 find 佐藤 花子.
pub fn given_key(name: &str) -> Option<String> {
    name.split_once(' ')
        .map(|(_, given)| match_key(given))
        .filter(|k| !k.is_empty())
}

/// The search key of the given name of a stored フリガナ ([`kana_key`] of its given part).
pub fn given_kana_key(furigana: &str) -> Option<String> {
    furigana
        .split_once(' ')
        .map(|(_, given)| kana_key(given))
        .filter(|k| !k.is_empty())
}

/// The 異体字・旧字体 groups, one per line with the canonical form first: built by
/// `scripts/unihan-itaiji.py` from Unihan (kZVariant, kSemanticVariant, kSpoofingVariant and
/// the 人名用漢字 旧字体 pairs, filtered to characters with a Japanese source) merged with
/// the hand-kept `data/itaiji-curated.txt`. Unihan is under the Unicode License v3
/// (`data/LICENSE-UNICODE`).
///
/// Only variants NFKC leaves apart matter. NFKC already folds the CJK compatibility
/// ideographs (U+F900–FAFF, U+2F800–2FA1F), e.g. 塚 U+FA10 → 塚, 都 U+FA26 → 都,
/// 隆 U+F9DC → 隆, 祐 U+FA4F → 祐; [`canonical_char`] applies that folding too. The
/// exception is 﨑 U+FA11, one of the twelve unified ideographs in that block, which NFKC
/// keeps and the table maps.
///
/// 斉 and 斎 are distinct characters in a dictionary, but in サイトウ they are the classic
/// 表記ゆれ: a false candidate costs a reviewer a glance, a missed one splits a person's
/// record. Look-alikes that are different characters stay apart
/// (`data/itaiji-distinct.txt`): 籐≠藤, 萩≠荻, 管≠菅, 杮≠柿, and 阪≠坂 (separate family
/// lines use each).
pub const ITAIJI: &str = include_str!("../data/itaiji.txt");

struct Variants {
    groups: Vec<Vec<char>>,
    group_of: HashMap<char, usize>,
}

/// [`ITAIJI`] read once; a character listed twice stays in its first group.
static VARIANTS: LazyLock<Variants> = LazyLock::new(|| {
    let mut groups: Vec<Vec<char>> = Vec::new();
    let mut group_of = HashMap::new();
    for line in ITAIJI.lines().filter(|l| !l.starts_with('#')) {
        let group: Vec<char> = line
            .chars()
            .filter(|c| !c.is_whitespace() && !group_of.contains_key(c))
            .collect();
        if group.len() < 2 {
            continue;
        }
        for &c in &group {
            group_of.insert(c, groups.len());
        }
        groups.push(group);
    }
    Variants { groups, group_of }
});

/// The 異体字 groups of [`ITAIJI`], the canonical form first.
pub fn variant_groups() -> &'static [Vec<char>] {
    &VARIANTS.groups
}

/// The canonical form of a kanji: compatibility ideographs folded as NFKC does, then
/// [`variant_groups`] applied. Any other character is returned unchanged.
pub fn canonical_char(c: char) -> char {
    variant_group(c)
        .and_then(|group| group.first().copied())
        .unwrap_or_else(|| compatibility_fold(c))
}

/// The 異体字 group `c` belongs to (after compatibility folding), for showing "異体字" in
/// the UI.
pub fn variant_group(c: char) -> Option<&'static [char]> {
    let c = compatibility_fold(c);
    if !is_ideograph(c) {
        return None;
    }
    let variants = &*VARIANTS;
    variants
        .group_of
        .get(&c)
        .and_then(|&i| variants.groups.get(i))
        .map(Vec::as_slice)
}

// Spaces go before composing, so `ｦ ﾞ` composes to `ヺ` exactly as `ｦﾞ` does: NFKD exposes
// every space a compatibility character hides (U+3000, `´` = space + accent), the filter
// drops them, and NFC composes what is left (NFC of an NFKD string is its NFKC). Folding a
// small kana can still make it composable (`ゥ゙` → `ヴ` → `ヴ`), so passes repeat until
// nothing changes; later passes only compose, so this settles in two or three, and the cap
// guards against a mistake turning into a hang.
const MAX_FOLD_PASSES: usize = 8;

fn fold_to_fixed_point(s: &str, kanji: bool) -> String {
    let mut key = fold_once(s, kanji);
    for _ in 0..MAX_FOLD_PASSES {
        let next = fold_once(&key, kanji);
        if next == key {
            break;
        }
        key = next;
    }
    key
}

fn fold_once(s: &str, kanji: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<char> = None;
    let composed = s
        .chars()
        .map(spacing_to_combining_mark)
        .nfkd()
        .filter(|&c| !is_dropped_from_key(c))
        .nfc();
    let mut after_vu = false;
    for c in composed {
        let c = hiragana_to_katakana(c);
        // ヴァ: the ヴ already written (as ブ) becomes the one sound, ヴュ keeps its ユ.
        if after_vu {
            after_vu = false;
            if let Some((sound, rest)) = vu_sound(c) {
                out.pop();
                out.push(sound);
                prev = Some(sound);
                if let Some(rest) = rest {
                    out.push(rest);
                    prev = Some(rest);
                }
                continue;
            }
        }
        after_vu = c == 'ヴ';
        let c = fold_katakana(c);
        let c = if is_long_vowel_lookalike(c) { 'ー' } else { c };
        // The long vowel of an o- or u-row kana is ウ, however written (ロー, ロウ, ロウー).
        let lengthened = prev.filter(|&p| c == 'ー' && is_o_or_u_row(p));
        if let Some(p) = lengthened {
            if p != 'ウ' {
                out.push('ウ');
                prev = Some('ウ');
            }
            continue;
        }
        let c = c.to_ascii_uppercase();
        let c = if kanji { canonical_char(c) } else { c };
        let c = match (c, prev) {
            ('々' | '〻', Some(p)) if kanji && is_ideograph(p) => p,
            ('ヽ', Some(p)) if is_katakana_letter(p) => p,
            ('ヾ', Some(p)) if is_katakana_letter(p) => {
                compose(p, '\u{3099}').map_or(c, fold_katakana)
            }
            _ => c,
        };
        out.push(c);
        prev = Some(c);
    }
    out
}

/// Characters that never tell two names apart. A variation selector picks a glyph (辻 with
/// one dot or two): `PersonName` keeps it, the key drops it.
fn is_dropped_from_key(c: char) -> bool {
    c.is_whitespace() || is_invisible(c) || is_variation_selector(c) || is_separator(c)
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `゛` / `゜` as typed on their own → the combining marks NFKC composes with the kana before.
fn spacing_to_combining_mark(c: char) -> char {
    match c {
        '\u{309B}' => '\u{3099}',
        '\u{309C}' => '\u{309A}',
        _ => c,
    }
}

fn hiragana_to_katakana(c: char) -> char {
    match c {
        // ぁ..ゖ and ゝゞ sit exactly 0x60 below their katakana.
        '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => {
            char::from_u32(u32::from(c) + 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

/// Small kana → large; kana that spell the same sound two ways → the common spelling.
fn fold_katakana(c: char) -> char {
    match c {
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ッ' => 'ツ',
        'ャ' => 'ヤ',
        'ュ' => 'ユ',
        'ョ' => 'ヨ',
        'ヮ' => 'ワ',
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        'ㇰ' => 'ク',
        'ㇱ' => 'シ',
        'ㇲ' => 'ス',
        'ㇳ' => 'ト',
        'ㇴ' => 'ヌ',
        'ㇵ' => 'ハ',
        'ㇶ' => 'ヒ',
        'ㇷ' => 'フ',
        'ㇸ' => 'ヘ',
        'ㇹ' => 'ホ',
        'ㇺ' => 'ム',
        'ㇻ' => 'ラ',
        'ㇼ' => 'リ',
        'ㇽ' => 'ル',
        'ㇾ' => 'レ',
        'ㇿ' => 'ロ',
        'ヴ' => 'ブ',
        'ヂ' => 'ジ',
        'ヅ' => 'ズ',
        'ヲ' => 'オ',
        'ヰ' => 'イ',
        'ヱ' => 'エ',
        'ヷ' => 'バ',
        'ヸ' => 'ビ',
        'ヹ' => 'ベ',
        'ヺ' => 'ボ',
        _ => c,
    }
}

/// ヴ followed by a small vowel: the sound it makes, and what is left to write.
fn vu_sound(small: char) -> Option<(char, Option<char>)> {
    match small {
        'ァ' => Some(('バ', None)),
        'ィ' => Some(('ビ', None)),
        'ェ' => Some(('ベ', None)),
        'ォ' => Some(('ボ', None)),
        'ュ' => Some(('ビ', Some('ユ'))),
        _ => None,
    }
}

/// A katakana (as [`fold_katakana`] leaves it) whose vowel is o or u: its long vowel is ウ.
fn is_o_or_u_row(c: char) -> bool {
    "ウクグスズツヌフブプムユルオコゴソゾトドノホボポモヨロ".contains(c)
}

fn is_long_vowel_lookalike(c: char) -> bool {
    matches!(
        c,
        'ー' | 'ｰ' | '-' | '－' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '─' | '━'
    )
}

/// What a フリガナ may hold once hiragana has become katakana: ァ..ヺ, ・, ー, ヽ, ヾ.
fn is_furigana_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FB}'..='\u{30FE}')
}

/// A katakana letter an iteration mark (ヽ, ヾ) may repeat.
fn is_katakana_letter(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}')
}

fn is_separator(c: char) -> bool {
    matches!(c, '・' | '·' | '=')
}

/// Control and zero-width characters and bidi overrides: none of them changes which name
/// is meant, and they can make two identical-looking names differ (or spoof one).
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

fn is_ideograph(c: char) -> bool {
    matches!(
        c,
        '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{3FFFF}'
    )
}

/// A CJK compatibility ideograph → its unified ideograph, as NFKC maps it.
fn compatibility_fold(c: char) -> char {
    if !matches!(c, '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}') {
        return c;
    }
    let mut folded = std::iter::once(c).nfkc();
    match (folded.next(), folded.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn given_keys_are_the_keys_of_what_follows_the_first_space() {
        for (name, given) in [
            ("佐藤 花子", Some("花子")),
            ("齋藤 一郎", Some("一郎")),
            ("佐藤花子", None),
            ("ｻﾄｳ ﾊﾅｺ", Some("ハナコ")),
            ("Smith John Paul", Some("JOHNPAUL")),
            ("佐藤 ", None),
        ] {
            assert_eq!(
                given_key(name),
                given.map(match_key),
                "{name}: the given part's key"
            );
        }
        assert_eq!(given_kana_key("サトウ ハナコ").as_deref(), Some("ハナコ"));
        assert_eq!(given_kana_key("サトウハナコ"), None);
    }

    #[test]
    fn person_name_trims_and_collapses_whitespace() {
        let name = PersonName::parse("　佐藤　　花子　").unwrap();
        assert_eq!(name.as_str(), "佐藤 花子");
        assert_eq!(name.family(), "佐藤");
        assert_eq!(name.given(), Some("花子"));
        assert_eq!(
            PersonName::parse("佐藤\t花子\n").unwrap().as_str(),
            "佐藤 花子"
        );
        let single = PersonName::parse(" 佐藤花子 ").unwrap();
        assert_eq!(single.family(), "佐藤花子");
        assert_eq!(single.given(), None);
        let three = PersonName::parse("Mary  Ann Smith").unwrap();
        assert_eq!(three.as_str(), "Mary Ann Smith");
        assert_eq!(three.given(), Some("Ann Smith"));
    }

    #[test]
    fn person_name_keeps_the_name_as_written() {
        // 戸籍 forms and IVS glyph selectors are the person's; only the key folds them.
        for written in ["齋藤 一郎", "髙橋 花子", "辻\u{E0101} 太郎", "ｻｲﾄｳ ﾊﾅｺ"]
        {
            assert_eq!(PersonName::parse(written).unwrap().as_str(), written);
        }
    }

    #[test]
    fn person_name_refuses_bad_input() {
        assert_eq!(PersonName::parse(""), Err(NameError::EmptyName));
        assert_eq!(PersonName::parse(" 　\t"), Err(NameError::EmptyName));
        assert_eq!(
            PersonName::parse("佐藤\u{0007}花子"),
            Err(NameError::NameControlChar)
        );
        assert_eq!(
            PersonName::parse("佐藤\u{200B}花子"),
            Err(NameError::NameControlChar)
        );
        assert_eq!(
            PersonName::parse("\u{202E}佐藤"),
            Err(NameError::NameControlChar)
        );
        assert!(PersonName::parse(&"あ".repeat(60)).is_ok());
        assert_eq!(
            PersonName::parse(&"あ".repeat(61)),
            Err(NameError::NameTooLong)
        );
        assert_eq!(NameError::EmptyName.to_string(), "氏名を入力してください");
    }

    #[test]
    fn stored_strings_go_back_through_parse() {
        // serde uses these conversions, so a stored row is re-checked when it is read.
        let name = PersonName::try_from("佐藤　花子".to_string()).unwrap();
        assert_eq!(String::from(name), "佐藤 花子");
        assert!(PersonName::try_from("  ".to_string()).is_err());
        let furigana = Furigana::try_from("さとう はなこ".to_string()).unwrap();
        assert_eq!(furigana.to_string(), "サトウ ハナコ");
        assert!(Furigana::try_from("佐藤".to_string()).is_err());
    }

    #[test]
    fn furigana_is_stored_as_full_width_katakana() {
        let cases = [
            ("さとう　はなこ", "サトウ ハナコ"),
            ("ｻﾄｳ ﾊﾅｺ", "サトウ ハナコ"),
            ("  サトウ   ハナコ ", "サトウ ハナコ"),
            ("ｶﾞｸ", "ガク"),
            ("か゛く", "ガク"),
            ("ウ゛ィクトル", "ヴィクトル"),
            ("ゔぃくとる", "ヴィクトル"),
            ("きょうこ", "キョウコ"),
            ("ﾖｰｺ", "ヨーコ"),
            ("ｻﾄ-", "サトー"),
            ("サト－", "サトー"),
            ("ｼﾞｮﾝ･ｽﾐｽ", "ジョン・スミス"),
            ("すゑ", "スヱ"),
            ("みすゞ", "ミスヾ"),
        ];
        for (input, stored) in cases {
            assert_eq!(Furigana::parse(input).unwrap().as_str(), stored, "{input}");
        }
        let f = Furigana::parse("さいとう はなこ").unwrap();
        assert_eq!((f.family(), f.given()), ("サイトウ", Some("ハナコ")));
    }

    #[test]
    fn furigana_refuses_other_scripts() {
        assert_eq!(Furigana::parse(""), Err(NameError::EmptyFurigana));
        assert_eq!(Furigana::parse("　"), Err(NameError::EmptyFurigana));
        assert_eq!(
            Furigana::parse("佐藤 ハナコ"),
            Err(NameError::FuriganaNotKana('佐'))
        );
        assert_eq!(
            Furigana::parse("ｓａｔｏ"),
            Err(NameError::FuriganaNotKana('s'))
        );
        assert!(Furigana::parse("サトウ1").is_err());
        assert!(Furigana::parse("サトウ\u{0007}").is_err());
        assert_eq!(
            Furigana::parse("佐藤").unwrap_err().to_string(),
            "フリガナはカタカナまたはひらがなで入力してください(使用できない文字: 「佐」)"
        );
        assert!(Furigana::parse(&"ア".repeat(100)).is_ok());
        assert_eq!(
            Furigana::parse(&"ア".repeat(101)),
            Err(NameError::FuriganaTooLong)
        );
    }

    /// Pairs that are the same name written differently.
    const SAME_KEY: &[(&str, &str)] = &[
        ("齋藤 一郎", "斎藤一郎"),
        ("齊藤", "斎藤"),
        ("斉藤", "齋藤"),
        ("髙橋", "高橋"),
        ("髙橋 花子", "高橋　花子"),
        ("渡邊", "渡辺"),
        ("渡邉", "渡辺"),
        ("ｻｲﾄｳ", "サイトウ"),
        ("さいとう", "サイトウ"),
        ("山\u{FA11}", "山崎"),
        ("山嵜", "山崎"),
        ("　佐藤　花子　", "佐藤 花子"),
        ("ＳＡＴＯ", "sato"),
        ("Sato Hanako", "SATOHANAKO"),
        ("澤田", "沢田"),
        ("廣瀨", "広瀬"),
        ("中嶋", "中島"),
        ("中嶌", "中島"),
        ("櫻井", "桜井"),
        ("濱田", "浜田"),
        ("濵田", "浜田"),
        ("德永", "徳永"),
        ("𠮷田", "吉田"),
        ("國分", "国分"),
        ("水戸光圀", "水戸光國"),
        ("龍崎", "竜崎"),
        ("冨田", "富田"),
        ("惠子", "恵子"),
        ("榮一", "栄一"),
        ("眞理子", "真理子"),
        ("北條", "北条"),
        ("關口", "関口"),
        ("栁田", "柳田"),
        ("槇原", "槙原"),
        ("劍持", "剣持"),
        ("釼持", "剣持"),
        ("峯岸", "峰岸"),
        ("大\u{FA10}", "大塚"),
        ("\u{FA26}築", "都築"),
        ("\u{F9DC}之", "隆之"),
        ("\u{FA4F}介", "祐介"),
        ("黑田", "黒田"),
        ("桒原", "桑原"),
        ("曾根", "曽根"),
        ("龜井", "亀井"),
        ("舘野", "館野"),
        ("禰津", "祢津"),
        ("鐵男", "鉄男"),
        ("壽子", "寿子"),
        ("彌生", "弥生"),
        ("蘆田", "芦田"),
        ("西薗", "西園"),
        ("瑞穗", "瑞穂"),
        ("增田", "増田"),
        ("澁谷", "渋谷"),
        ("瀧本", "滝本"),
        ("兒玉", "児玉"),
        ("靏田", "鶴田"),
        ("礒部", "磯部"),
        ("黑澤 明", "黒沢明"),
        ("齋藤　ﾊﾅｺ", "斎藤はなこ"),
        ("佐々木", "佐佐木"),
        ("ﾜﾀﾅﾍﾞ ｹﾝｲﾁ", "わたなべ けんいち"),
        ("キョウコ", "キヨウコ"),
        ("スヱ", "スエ"),
        ("ゐね", "イネ"),
        ("カヲル", "かおる"),
        ("ﾁﾂﾞｺ", "チズコ"),
        ("ちぢわ", "チジワ"),
        ("みすゞ", "ミスズ"),
        ("ヴィクトル", "ビクトル"),
        ("ヴァイオリン", "バイオリン"),
        ("ヴェール", "ベール"),
        ("ヴォルフ", "ボルフ"),
        ("ヴュー", "ビュー"),
        ("ヴ", "ブ"),
        ("イチロー", "イチロウ"),
        ("いちろう", "イチロー"),
        ("イチロウー", "イチロウ"),
        ("ユーコ", "ユウコ"),
        ("ヨーコ", "ヨウコ"),
        ("サトー", "サトウ"),
        ("キョーコ", "キョウコ"),
        ("ｼｭｰｲﾁ", "シュウイチ"),
        ("ユウ", "ユー"),
        ("ウ゛ィクトル", "ヴィクトル"),
        ("ｳﾞｨｸﾄﾙ", "ヴィクトル"),
        ("一ヶ谷", "一ケ谷"),
        ("辻\u{E0100}", "辻"),
        ("サトー", "ｻﾄｰ"),
        ("サト-", "サトー"),
        ("ジョン・スミス", "ジョン スミス"),
        ("高橋\u{200B}一郎", "高橋一郎"),
        ("佐藤\t花子", "佐藤花子"),
    ];

    /// Pairs that are different names, however alike they look or sound.
    const DIFFERENT_KEY: &[(&str, &str)] = &[
        ("斎藤", "齋田"),
        ("高橋", "髙梨"),
        ("佐藤", "加藤"),
        ("伊藤", "伊東"),
        ("渡辺", "渡部"),
        ("斉藤", "西藤"),
        ("太田", "大田"),
        ("小野", "大野"),
        ("サイトウ", "サイドウ"),
        ("ヨーコ", "ヨコ"),
        ("マリー", "マリ"),
        ("マリー", "マリイ"),
        ("ケーコ", "ケイコ"),
        ("オーノ", "オオノ"),
        ("ビクトル", "ブイクトル"),
        ("カトウ", "ガトウ"),
        ("ハナコ", "パナコ"),
        ("菅野", "管野"),
        ("荻野", "萩野"),
        ("坂本", "阪本"),
        ("藤田", "籐田"),
        ("柿本", "杮本"),
        ("島田", "嶋村"),
        ("佐藤 花子", "佐藤 英子"),
        ("斎藤 一郎", "斎藤 一朗"),
        ("佐藤花子", "花子佐藤"),
        ("SATO", "SAITO"),
        ("土屋", "土谷"),
        ("一ヵ谷", "一ケ谷"),
    ];

    #[test]
    fn variant_spellings_share_a_key() {
        assert!(SAME_KEY.len() >= 60);
        for (a, b) in SAME_KEY {
            assert_eq!(match_key(a), match_key(b), "{a} / {b}");
        }
    }

    #[test]
    fn different_names_keep_different_keys() {
        assert!(DIFFERENT_KEY.len() >= 20);
        for (a, b) in DIFFERENT_KEY {
            assert_ne!(match_key(a), match_key(b), "{a} / {b}");
        }
    }

    #[test]
    fn keys_read_as_expected() {
        assert_eq!(match_key(" 齋藤　ﾊﾅｺ "), "斎藤ハナコ");
        assert_eq!(match_key("ｷｮｳｺ"), "キヨウコ");
        assert_eq!(match_key("ｓａｔｏ ｈａｎａｋｏ"), "SATOHANAKO");
        assert_eq!(match_key("佐々木"), "佐佐木");
        // An iteration mark with nothing to repeat is left alone.
        assert_eq!(match_key("々"), "々");
        assert_eq!(match_key(""), "");
        assert_eq!(match_key("　"), "");
    }

    #[test]
    fn kana_key_folds_small_kana_but_keeps_dakuten() {
        assert_eq!(kana_key("さいとう はなこ"), "サイトウハナコ");
        assert_eq!(kana_key("ｷｮｳｺ"), kana_key("キヨウコ"));
        assert_eq!(kana_key("ハットリ"), kana_key("ハツトリ"));
        assert_eq!(kana_key("スヱ"), kana_key("すえ"));
        assert_eq!(kana_key("ジョン・スミス"), kana_key("ｼﾞｮﾝ ｽﾐｽ"));
        assert_ne!(kana_key("サイトウ"), kana_key("サイドウ"));
        assert_ne!(kana_key("ハナコ"), kana_key("パナコ"));
        assert_eq!(kana_key("ヨーコ"), kana_key("ヨウコ"));
        assert_eq!(kana_key("イチロー"), "イチロウ");
        assert_eq!(kana_key("ヴィクトル"), "ビクトル");
        assert_ne!(kana_key("ヨーコ"), kana_key("ヨコ"));
        // A フリガナ has no kanji, so the kanji table is not applied.
        assert_eq!(kana_key("齋"), "齋");
        let f = Furigana::parse("ｻｲﾄｳ ﾊﾅｺ").unwrap();
        assert_eq!(f.kana_key(), kana_key("さいとう　はなこ"));
    }

    #[test]
    fn variant_table_is_well_formed() {
        let groups = variant_groups();
        assert!(groups.len() >= 500, "{} groups", groups.len());
        let listed: usize = ITAIJI
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.chars().count())
            .sum();
        let mut seen = std::collections::BTreeSet::new();
        for group in groups {
            assert!(group.len() >= 2, "{group:?}");
            for &c in group {
                assert!(seen.insert(c), "{c} is in two groups");
                assert!(is_ideograph(c), "{c}");
                assert_eq!(canonical_char(c), group[0], "{c}");
                assert_eq!(variant_group(c), Some(group.as_slice()));
            }
            // The canonical form must survive NFKC, or a key would change on a second pass.
            let canonical: String = group[..1].iter().collect();
            assert_eq!(canonical.nfkc().collect::<String>(), canonical);
        }
        assert_eq!(seen.len(), listed, "every listed character is in one group");
    }

    /// The table loaded from the data file joins the known 表記ゆれ of names, keeps the
    /// hand-kept groups whole with their canonical forms, and never joins a pair listed as
    /// distinct.
    #[test]
    fn variant_table_holds_known_pairs_and_the_hand_kept_lists() {
        for (variant, canonical) in [
            ('齋', '斎'),
            ('齊', '斎'),
            ('斉', '斎'),
            ('邉', '辺'),
            ('邊', '辺'),
            ('髙', '高'),
            ('\u{FA11}', '崎'),
            ('濵', '浜'),
            // From Unihan, beyond the hand-kept groups.
            ('惡', '悪'),
            ('戰', '戦'),
            ('澤', '沢'),
            ('嶋', '島'),
            ('鷄', '鶏'),
            ('𠮟', '叱'),
        ] {
            assert_eq!(canonical_char(variant), canonical, "{variant}");
        }
        assert_eq!(match_key("佐々木"), match_key("佐佐木"));
        let data = |text: &'static str| {
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .map(|l| l.trim().chars().collect::<Vec<char>>())
        };
        for group in data(include_str!("../data/itaiji-curated.txt")) {
            for &c in &group {
                assert_eq!(canonical_char(c), group[0], "hand-kept group of {c}");
            }
        }
        for pair in data(include_str!("../data/itaiji-distinct.txt")) {
            assert_ne!(canonical_char(pair[0]), canonical_char(pair[1]), "{pair:?}");
        }
        for (a, b) in [
            ('暦', '歴'),
            ('子', '只'),
            ('佑', '祐'),
            ('咲', '笑'),
            ('荘', '庄'),
        ] {
            assert_ne!(canonical_char(a), canonical_char(b), "{a} / {b}");
        }
    }

    #[test]
    fn canonical_char_applies_nfkc_compatibility_folding() {
        let cases = [
            ('\u{FA10}', '塚'),
            ('\u{FA26}', '都'),
            ('\u{F9DC}', '隆'),
            ('\u{FA4F}', '祐'),
            ('\u{FA19}', '神'),
            ('\u{FA1B}', '福'),
            ('\u{FA12}', '晴'),
            ('\u{FA18}', '礼'),
            ('\u{FA11}', '崎'),
            ('髙', '高'),
            ('高', '高'),
            ('ア', 'ア'),
            ('a', 'a'),
        ];
        for (c, canonical) in cases {
            assert_eq!(canonical_char(c), canonical, "{c}");
        }
        assert_eq!(variant_group('渡'), None);
        assert_eq!(variant_group('ア'), None);
    }

    /// Characters a Japanese name (and its mistakes) is made of.
    fn name_alphabet() -> Vec<char> {
        let mut chars: Vec<char> = variant_groups()
            .iter()
            .take(120)
            .flat_map(|g| g.iter().copied())
            .collect();
        chars.extend("佐藤田中山川木本井上子花一郎太辻塚都隆祐".chars());
        chars.extend(('\u{3041}'..='\u{309F}').chain('\u{30A0}'..='\u{30FF}'));
        chars.extend('\u{FF61}'..='\u{FF9F}');
        chars.extend('\u{31F0}'..='\u{31FF}');
        chars.extend(['\u{FA10}', '\u{FA26}', '\u{F9DC}', '\u{FA4F}', '\u{FA11}']);
        chars.extend(['々', '〻', ' ', '\u{3000}', '\t', '-', '－', '―', '・', '=']);
        chars.extend(['\u{3099}', '\u{309A}', '\u{E0100}', '\u{FE00}', '\u{200B}']);
        chars.extend(
            ('a'..='z')
                .chain('A'..='Z')
                .chain('Ａ'..='Ｚ')
                .chain('ａ'..='ｚ'),
        );
        chars
    }

    fn name_like() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(name_alphabet()), 0..12)
            .prop_map(|chars| chars.into_iter().collect())
    }

    fn whitespace() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec![' ', '\u{3000}', '\t', '\n', '\u{00A0}']),
            1..3,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn match_key_is_idempotent(s in any::<String>()) {
            let key = match_key(&s);
            prop_assert_eq!(match_key(&key), key);
        }

        #[test]
        fn match_key_is_idempotent_on_names(s in name_like()) {
            let key = match_key(&s);
            prop_assert_eq!(match_key(&key), key.clone());
            let kana = kana_key(&s);
            prop_assert_eq!(kana_key(&kana), kana);
        }

        #[test]
        fn every_variant_gives_the_same_key(
            before in name_like(),
            after in name_like(),
            group in proptest::sample::select(variant_groups().to_vec()),
            index in any::<proptest::sample::Index>(),
        ) {
            let variant = group[index.index(group.len())];
            let with_variant = format!("{before}{variant}{after}");
            let with_canonical = format!("{before}{}{after}", group[0]);
            prop_assert_eq!(match_key(&with_variant), match_key(&with_canonical));
        }

        #[test]
        fn whitespace_never_changes_the_key(
            s in name_like(),
            at in any::<proptest::sample::Index>(),
            space in whitespace(),
        ) {
            let chars: Vec<char> = s.chars().collect();
            let at = at.index(chars.len() + 1);
            let spaced: String = chars[..at]
                .iter()
                .copied()
                .chain(space.chars())
                .chain(chars[at..].iter().copied())
                .collect();
            prop_assert_eq!(match_key(&spaced), match_key(&s));
            prop_assert_eq!(kana_key(&spaced), kana_key(&s));
        }

        #[test]
        fn parsed_names_and_furigana_are_stable(s in name_like()) {
            if let Ok(name) = PersonName::parse(&s) {
                prop_assert_eq!(PersonName::parse(name.as_str()), Ok(name.clone()));
                prop_assert_eq!(name.match_key(), match_key(&s));
            }
            if let Ok(furigana) = Furigana::parse(&s) {
                prop_assert_eq!(Furigana::parse(furigana.as_str()), Ok(furigana.clone()));
            }
        }
    }
}
