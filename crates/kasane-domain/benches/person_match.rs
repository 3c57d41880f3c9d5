//! 名寄せ scoring (`person_match::score`): one pair, and one intake against the 200
//! records `Store::match_prefilter` can hand it. Run with `cargo bench -p kasane-domain`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use kasane_domain::person_match::{MatchInput, is_candidate, score};

/// (name, furigana, birth date, phone) of the records on file.
fn records() -> Vec<(String, String, Option<NaiveDate>, String)> {
    let surnames = [
        ("渡辺", "ワタナベ"),
        ("渡邉", "ワタナベ"),
        ("佐藤", "サトウ"),
        ("齋藤", "サイトウ"),
    ];
    let given = [
        ("幸子", "サチコ"),
        ("健一", "ケンイチ"),
        ("澄江", "スミエ"),
        ("翔太", "ショウタ"),
    ];
    (0..200u32)
        .map(|i| {
            let (sn, sk) = surnames[(i % 4) as usize];
            let (gn, gk) = given[(i / 4 % 4) as usize];
            (
                format!("{sn} {gn}"),
                format!("{sk} {gk}"),
                NaiveDate::from_ymd_opt(1940 + (i % 50) as i32, 1 + i % 12, 1 + i % 28),
                format!("0187-62-{:04}", i),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let new = MatchInput {
        name: "渡邉 幸子",
        furigana: Some("ワタナベ サチコ"),
        birth_date: NaiveDate::from_ymd_opt(1950, 4, 1),
        external_id: None,
        phone: Some("0187-62-1111"),
    };
    let variant = MatchInput {
        name: "渡辺 幸子",
        ..new
    };
    let stranger = MatchInput {
        name: "佐藤 健一",
        furigana: Some("サトウ ケンイチ"),
        birth_date: NaiveDate::from_ymd_opt(1972, 3, 5),
        external_id: None,
        phone: None,
    };
    c.bench_function("score: 異体字 variant, same birth date", |b| {
        b.iter(|| score(black_box(&new), black_box(&variant)))
    });
    c.bench_function("score: a stranger", |b| {
        b.iter(|| score(black_box(&new), black_box(&stranger)))
    });
    let on_file = records();
    c.bench_function(
        "名寄せ of one intake against 200 prefiltered records",
        |b| {
            b.iter(|| {
                on_file
                    .iter()
                    .filter(|(name, furigana, birth_date, phone)| {
                        let existing = MatchInput {
                            name,
                            furigana: Some(furigana),
                            birth_date: *birth_date,
                            external_id: None,
                            phone: Some(phone),
                        };
                        is_candidate(&score(black_box(&new), &existing))
                    })
                    .count()
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
