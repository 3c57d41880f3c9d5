//! The person as entered: one draft for every way a person arrives (a window's intake,
//! the API, a CSV import, the demo), validated by the domain into what the store keeps.

use chrono::NaiveDate;
use kasane_domain::name::{Furigana, PersonName, kana_key, match_key};
use kasane_domain::person::{FieldError, PersonFieldsInput, validate_person_fields};
use kasane_store::person::PersonFields;
use serde::Deserialize;

/// A person as a worker types them (the intake form, the API's JSON, a CSV import row,
/// the demo): text fields, validated all at once into the record the store keeps.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct PersonDraft {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub furigana: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub external_id: String,
}

impl PersonDraft {
    /// Validates every field and derives the 名寄せ keys; all problems at once.
    pub fn parse(
        &self,
        districts: &[&str],
        today: NaiveDate,
    ) -> Result<PersonFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = PersonName::parse(&self.name).map_err(|e| FieldError {
            field: "name",
            message: e.to_string(),
        });
        let furigana = match self.furigana.trim() {
            "" => Ok(None),
            f => Furigana::parse(f).map(Some).map_err(|e| FieldError {
                field: "furigana",
                message: e.to_string(),
            }),
        };
        let input = PersonFieldsInput {
            birth_date: &self.birth_date,
            sex: &self.sex,
            address: &self.address,
            district: &self.district,
            phone: &self.phone,
            note: &self.note,
            external_id: &self.external_id,
        };
        let rest = validate_person_fields(&input, districts, today);
        let name = name.map_err(|e| errors.push(e)).ok();
        let furigana = furigana.map_err(|e| errors.push(e)).ok();
        let rest = rest.map_err(|e| errors.extend(e)).ok();
        match (name, furigana, rest) {
            (Some(name), Some(furigana), Some(f)) if errors.is_empty() => Ok(PersonFields {
                name_key: match_key(name.as_str()),
                kana_key: furigana.as_ref().map(|k| kana_key(k.as_str())),
                name: name.as_str().to_string(),
                furigana: furigana.map(|k| k.as_str().to_string()),
                birth_date: f.birth_date.map(|b| b.date()),
                sex: f.sex.map(|s| s.code().to_string()),
                address: f.address.unwrap_or_default(),
                district_code: f.district,
                phone_digits: f.phone.as_ref().map(|p| p.digits().to_string()),
                phone: f.phone.map(|p| p.as_str().to_string()),
                note: f.note.unwrap_or_default(),
                external_id: f.external_id.map(|e| e.as_str().to_string()),
            }),
            _ => Err(errors),
        }
    }
}
