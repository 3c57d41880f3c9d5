//! The person picker, wherever a form chooses a person (a household member, the record to
//! link in 名寄せ): the worker searches by 氏名 or フリガナ and picks one of the results, so
//! nobody types a 記録番号. The search is the person search (`consultation::person::search`:
//! within what the caller may see, folded as typed, audited). Without the script the
//! 「検索」 button reloads the page with `?pick_q=…`; kasane.js searches as the worker types
//! through `GET /persons/pick`, which answers the same results. On a long form (the
//! consulter on the intake form) the 「検索」 sends the whole form back instead, so nothing
//! typed is lost.

use kasane_app::consultation::person::{Criteria, districts, search};
use kasane_app::{App, AppResult, Caller};
use kasane_domain::person_search::address_area;
use kasane_store::municipality::District;
use kasane_store::person::Person;
use maud::{Markup, html};
use serde::Deserialize;

use crate::ui::fmt::{birth_label, district_name};
use crate::ui::form::marked;

/// At most this many persons are offered; a longer list asks for more of the name.
const SHOWN: usize = 10;

/// The id of the GET form the picker's 「検索」 belongs to (without the script).
const SEARCH_FORM: &str = "pick-search";

/// The field the chosen person's id is sent in: the one the use case already reads.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickField {
    /// A household member (`consultation::household::add_member`).
    #[default]
    PersonId,
    /// The record to link in 名寄せ (`consultation::person::link_records`).
    Other,
    /// The consulter of an intake, when they are registered (optional).
    ConsulterPersonId,
}

impl PickField {
    fn name(self) -> &'static str {
        match self {
            PickField::PersonId => "person_id",
            PickField::Other => "other",
            PickField::ConsulterPersonId => "consulter_person_id",
        }
    }

    /// Whether the form needs a person picked (the consulter may be anyone, or nobody known).
    fn required(self) -> bool {
        !matches!(self, PickField::ConsulterPersonId)
    }

    /// Whether 「検索」 sends the form it is in (named [`IN_FORM_SEARCH`]) instead of
    /// reloading the page: the intake form's typing must survive a search.
    fn in_form(self) -> bool {
        matches!(self, PickField::ConsulterPersonId)
    }
}

/// The submit button's name when 「検索」 sends the picker's form back to be shown again
/// with the results (nothing is saved).
pub const IN_FORM_SEARCH: &str = "pick_search";

/// `?pick_q=…`: the picker's search on its page (the 「検索」 without the script).
#[derive(Debug, Default, Deserialize)]
pub struct PickQuery {
    #[serde(default)]
    pub pick_q: String,
}

/// `GET /persons/pick`'s query: the search, the field and the persons left out (the person
/// themself, the current members: they are no choice there).
#[derive(Debug, Default, Deserialize)]
pub struct PickRequest {
    #[serde(default)]
    pub pick_q: String,
    #[serde(default)]
    pub field: PickField,
    /// Ids, comma-separated.
    #[serde(default)]
    pub exclude: String,
}

impl PickRequest {
    pub fn excluded(&self) -> Vec<i64> {
        self.exclude
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect()
    }
}

/// What a picker's search found: the persons to offer and whether there are more.
pub struct Found {
    persons: Vec<Person>,
    more: bool,
    districts: Vec<District>,
}

/// Searches `q` (nothing searched, and nothing audited, while it is blank) and leaves out
/// `exclude`.
pub async fn find(
    app: &App,
    caller: &Caller,
    q: &str,
    exclude: &[i64],
) -> AppResult<Option<Found>> {
    if q.trim().is_empty() {
        return Ok(None);
    }
    let criteria = Criteria {
        name: q,
        ..Criteria::default()
    };
    let (mut persons, more) = search(app, caller, criteria).await?.unwrap_or_default();
    persons.retain(|p| !exclude.contains(&p.id));
    let more = more || persons.len() > SHOWN;
    persons.truncate(SHOWN);
    Ok(Some(Found {
        persons,
        more,
        districts: districts(app, caller).await?,
    }))
}

/// The picker inside a form: `legend` says whom it chooses (and is marked when one of a
/// refused form's `errors` names it); the chosen person's id is sent as `field`. The page
/// holds [`search_form`] (the 「検索」 without the script) outside the form, unless the field
/// searches in its form. An optional field shows who is `chosen` already, and 「選ばない」.
pub fn picker(
    (legend, errors): (&str, &[String]),
    field: PickField,
    q: &str,
    found: Option<&Found>,
    exclude: &[i64],
    chosen: Option<&Person>,
    today: chrono::NaiveDate,
) -> Markup {
    let exclude = exclude
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let results = format!("pick-{}", field.name());
    html! {
        fieldset.picker data-picker=(field.name()) data-picker-exclude=(exclude)
            aria-invalid=[marked(errors, legend)] {
            legend { (legend) }
            @if !field.required() {
                div.picker-chosen {
                    label.check { input type="radio" name=(field.name()) value="" checked[chosen.is_none()]; " 選ばない" }
                    @if let Some(p) = chosen {
                        " " label.check { input type="radio" name=(field.name()) value=(p.id) checked; " " (person_label(p, None, today)) }
                    }
                }
            }
            div.picker-search {
                @if field.in_form() {
                    label { "氏名・フリガナ "
                        input type="search" name="pick_q" value=(q)
                            autocomplete="off" aria-controls=(results) aria-describedby={ (results) "-count" };
                    }
                    " " button type="submit" name=(IN_FORM_SEARCH) value="1" formnovalidate { "検索" }
                } @else {
                    label { "氏名・フリガナ "
                        input type="search" name="pick_q" value=(q) form=(SEARCH_FORM)
                            autocomplete="off" aria-controls=(results) aria-describedby={ (results) "-count" };
                    }
                    " " button type="submit" form=(SEARCH_FORM) { "検索" }
                }
            }
            div.picker-results id=(results) { (results_of(field, found, today)) }
        }
    }
}

/// The empty GET form the picker's search field and 「検索」 belong to (forms do not nest):
/// it reloads `action` (the page, with `#anchor`) with `?pick_q=…`.
pub fn search_form(action: &str) -> Markup {
    html! { form #(SEARCH_FORM) method="get" action=(action) {} }
}

/// The results: a radio button per person with what tells namesakes apart (フリガナ,
/// 生年月日 in 和暦, 地区, the address to the 町名, the 記録番号 shown — never typed).
pub fn results_of(field: PickField, found: Option<&Found>, today: chrono::NaiveDate) -> Markup {
    let count = format!("pick-{}-count", field.name());
    html! {
        @match found {
            None => p.muted.picker-count #(count) { "氏名またはフリガナの最初の何文字かを入力して検索してください。" },
            Some(f) if f.persons.is_empty() => p.picker-count #(count) { "該当する方がいません(閲覧できる方のみ表示しています)。" },
            Some(f) => {
                p.picker-count #(count) {
                    (f.persons.len()) "人が見つかりました。"
                    @if f.more { "ほかにもいます。氏名を続けて入力すると絞り込めます。" }
                }
                ul.picker-list {
                    @for p in &f.persons {
                        li {
                            label.check {
                                input type="radio" name=(field.name()) value=(p.id) required[field.required()];
                                " " (person_label(p, Some(&f.districts), today))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What tells a person apart from namesakes: 氏名, フリガナ, 生年月日 in 和暦, 地区 (when
/// the districts are at hand), the address to the 町名, the 記録番号 shown — never typed.
fn person_label(p: &Person, districts: Option<&[District]>, today: chrono::NaiveDate) -> Markup {
    html! {
        strong { (p.name) }
        @if let Some(k) = &p.furigana { " " span { (k) } }
        " " span { (birth_label(p, today)) }
        @if let Some(districts) = districts {
            @let district = district_name(districts, p.district_code.as_deref());
            @if !district.is_empty() { " " span { (district) } }
        }
        @if let Some(area) = address_area(&p.address) { " " span { (area) } }
        " " span.muted.record-number { "記録番号 " (p.id) }
    }
}
