//! The name normaliser and 名寄せ keys: no panic on any string, the keys are fixed points
//! (the module's fold runs to one), whitespace never changes a key, parsed names and
//! フリガナ parse back to themselves, and `canonical_char` is idempotent.
#![no_main]

use kasane_domain::name::{
    Furigana, PersonName, canonical_char, given_kana_key, given_key, kana_key, match_key,
    variant_group,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

const SPACES: [char; 6] = [' ', '\u{3000}', '\t', '\n', '\u{00A0}', '\r'];

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    text: &'a str,
    /// Where to insert a space (a char index, wrapped) and which one.
    at: u16,
    space: u8,
}

fuzz_target!(|input: Input| {
    let s = input.text;

    let key = match_key(s);
    assert_eq!(match_key(&key), key, "match_key not idempotent on {s:?}");
    let kana = kana_key(s);
    assert_eq!(kana_key(&kana), kana, "kana_key not idempotent on {s:?}");

    let chars: Vec<char> = s.chars().collect();
    let at = usize::from(input.at) % (chars.len() + 1);
    let space = SPACES[usize::from(input.space) % SPACES.len()];
    let spaced: String = chars[..at]
        .iter()
        .copied()
        .chain(std::iter::once(space))
        .chain(chars[at..].iter().copied())
        .collect();
    assert_eq!(
        match_key(&spaced),
        key,
        "a space changed match_key of {s:?}"
    );
    assert_eq!(kana_key(&spaced), kana, "a space changed kana_key of {s:?}");

    let _ = given_key(s);
    let _ = given_kana_key(s);

    if let Ok(name) = PersonName::parse(s) {
        assert_eq!(PersonName::parse(name.as_str()).as_ref(), Ok(&name));
        assert_eq!(name.match_key(), key);
        let _ = (name.family(), name.given(), given_key(name.as_str()));
    }
    if let Ok(furigana) = Furigana::parse(s) {
        assert_eq!(Furigana::parse(furigana.as_str()).as_ref(), Ok(&furigana));
        let _ = given_kana_key(furigana.as_str());
    }

    for c in chars {
        let canonical = canonical_char(c);
        assert_eq!(canonical_char(canonical), canonical, "{c:?}");
        if let Some(group) = variant_group(c) {
            assert_eq!(group.first().copied(), Some(canonical), "{c:?}");
        }
    }
});
