//! Form values between their JSON form (the HTTP API's `valeurs`, and API
//! 0.1.0 plugins, which carried one JSON text per field) and the typed model.
//! One source for both: the host checks what a user typed against the
//! plugin's schema here, and adapts 0.1.0 plugins with the same rules.

use crate::model::{Date, Field, FieldKind, FieldValue, FormValue, ItemValue, Scalar, ScalarKind};
use serde_json::{Map, Value};

/// Largest number of items of one repeated field.
pub const MAX_ITEMS: usize = 500;

/// A value that does not fit its field, said in French for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{champ} : {motif}")]
pub struct ErreurChamp {
    /// The field's label (or key when unknown).
    pub champ: String,
    pub motif: String,
}

fn iso(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// The JSON of one scalar: text and codes as strings, dates `AAAA-MM-JJ`,
/// whole numbers without a fraction (a 0.1.0 plugin reading `2` into an
/// integer must not meet `2.0`).
pub fn scalaire_json(s: &Scalar) -> Value {
    match s {
        Scalar::Text(t) | Scalar::Code(t) => Value::String(t.clone()),
        Scalar::Date(d) => Value::String(iso(d)),
        Scalar::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                Value::from(*n as i64)
            } else {
                serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number)
            }
        }
        Scalar::Boolean(b) => Value::Bool(*b),
    }
}

pub fn valeur_json(v: &FieldValue) -> Value {
    match v {
        FieldValue::Scalar(s) => scalaire_json(s),
        FieldValue::Items(items) => Value::Array(
            items
                .iter()
                .map(|item| {
                    Value::Object(
                        item.iter()
                            .map(|iv| (iv.key.clone(), scalaire_json(&iv.value)))
                            .collect(),
                    )
                })
                .collect(),
        ),
    }
}

/// A form's values as the HTTP API carries them.
pub fn vers_json(values: &[FormValue]) -> Map<String, Value> {
    values
        .iter()
        .map(|v| (v.key.clone(), valeur_json(&v.value)))
        .collect()
}

fn date(s: &str) -> Option<Date> {
    let d = esculape_domain::Day::parse(s.trim()).ok()?;
    Some(Date {
        year: u16::try_from(d.year).ok()?,
        month: d.month as u8,
        day: d.day as u8,
    })
}

fn nombre(s: &str) -> Option<f64> {
    s.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
}

/// What a JSON value is when nothing says what it should be.
fn deviner(v: &Value) -> Option<Scalar> {
    match v {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(Scalar::Text(s.clone())),
        Value::Number(n) => n.as_f64().map(Scalar::Number),
        Value::Bool(b) => Some(Scalar::Boolean(*b)),
        _ => None,
    }
}

/// One scalar of a field of this kind; `Ok(None)` for an empty value. A
/// text field keeps a number or a yes/no as given (an API 0.1.0 plugin's
/// sub-fields have no declared kind).
fn scalaire(kind: Option<&ScalarKind>, v: &Value) -> Result<Option<Scalar>, String> {
    if v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()) {
        return Ok(None);
    }
    let Some(kind) = kind else {
        return match deviner(v) {
            Some(s) => Ok(Some(s)),
            None => Err("valeur d'une forme inattendue".into()),
        };
    };
    match (kind, v) {
        (ScalarKind::Text | ScalarKind::LongText, Value::String(s)) => {
            Ok(Some(Scalar::Text(s.clone())))
        }
        (ScalarKind::Text | ScalarKind::LongText, Value::Number(_) | Value::Bool(_)) => {
            Ok(deviner(v))
        }
        (ScalarKind::Date, Value::String(s)) => date(s)
            .map(|d| Some(Scalar::Date(d)))
            .ok_or_else(|| format!("«{s}» n'est pas une date (AAAA-MM-JJ)")),
        (ScalarKind::Number, Value::Number(n)) => Ok(n.as_f64().map(Scalar::Number)),
        (ScalarKind::Number, Value::String(s)) => nombre(s)
            .map(|n| Some(Scalar::Number(n)))
            .ok_or_else(|| format!("«{s}» n'est pas un nombre")),
        (ScalarKind::Boolean, Value::Bool(b)) => Ok(Some(Scalar::Boolean(*b))),
        (ScalarKind::Boolean, Value::String(s)) => match s.trim().to_lowercase().as_str() {
            "true" | "oui" => Ok(Some(Scalar::Boolean(true))),
            "false" | "non" => Ok(Some(Scalar::Boolean(false))),
            _ => Err(format!("«{s}» n'est ni oui ni non")),
        },
        (ScalarKind::Coded(_), Value::String(s)) => Ok(Some(Scalar::Code(s.trim().to_string()))),
        (ScalarKind::Coded(_), Value::Object(o)) => match o.get("code").and_then(Value::as_str) {
            Some(c) if !c.trim().is_empty() => Ok(Some(Scalar::Code(c.trim().to_string()))),
            _ => Err("code manquant".into()),
        },
        (ScalarKind::Coded(_), Value::Number(n)) => Ok(Some(Scalar::Code(n.to_string()))),
        (k, _) => Err(format!(
            "valeur inattendue pour un champ {}",
            nom_du_type(k)
        )),
    }
}

fn nom_du_type(k: &ScalarKind) -> &'static str {
    match k {
        ScalarKind::Text | ScalarKind::LongText => "texte",
        ScalarKind::Date => "date",
        ScalarKind::Number => "nombre",
        ScalarKind::Boolean => "oui/non",
        ScalarKind::Coded(_) => "codé",
    }
}

/// Items of a repeated field: each object's members typed by the
/// sub-fields (a member no sub-field names is typed by its JSON form).
fn items(subs: Option<&[crate::model::SubField]>, v: &Value) -> Result<Option<FieldValue>, String> {
    let list = match v {
        Value::Null => return Ok(None),
        Value::Array(a) => a,
        _ => return Err("une liste est attendue".into()),
    };
    if list.len() > MAX_ITEMS {
        return Err(format!("plus de {MAX_ITEMS} lignes"));
    }
    let mut out = Vec::with_capacity(list.len());
    for (n, item) in list.iter().enumerate() {
        let Value::Object(o) = item else {
            return Err(format!(
                "ligne {} : une ligne de champs est attendue",
                n + 1
            ));
        };
        let mut values = Vec::with_capacity(o.len());
        for (k, v) in o {
            let sub = subs.and_then(|s| s.iter().find(|f| f.key == *k));
            let label = sub.map_or(k.as_str(), |s| s.label.as_str());
            match scalaire(sub.map(|s| &s.kind), v) {
                Ok(Some(value)) => values.push(ItemValue {
                    key: k.clone(),
                    value,
                }),
                Ok(None) => {}
                Err(e) => return Err(format!("ligne {}, {label} : {e}", n + 1)),
            }
        }
        out.push(values);
    }
    Ok(Some(FieldValue::Items(out)))
}

fn valeur(field: Option<&Field>, v: &Value) -> Result<Option<FieldValue>, String> {
    match field.map(|f| &f.kind) {
        Some(FieldKind::Repeated(subs)) => items(Some(subs), v),
        Some(FieldKind::Scalar(k)) => Ok(scalaire(Some(k), v)?.map(FieldValue::Scalar)),
        None if v.is_array() => items(None, v),
        None => Ok(scalaire(None, v)?.map(FieldValue::Scalar)),
    }
}

/// The typed values of a form as a user filled it, checked against the
/// plugin's schema; the first value that does not fit is refused, naming
/// its field. Empty values are left out; keys the schema does not name are
/// typed by their JSON form.
pub fn depuis_json(
    schema: &[Field],
    map: &Map<String, Value>,
) -> Result<Vec<FormValue>, ErreurChamp> {
    let mut out = Vec::with_capacity(map.len());
    for (key, v) in map {
        let field = schema.iter().find(|f| f.key == *key);
        match valeur(field, v) {
            Ok(Some(value)) => out.push(FormValue {
                key: key.clone(),
                value,
            }),
            Ok(None) => {}
            Err(motif) => {
                return Err(ErreurChamp {
                    champ: field.map_or(key.clone(), |f| f.label.clone()),
                    motif,
                });
            }
        }
    }
    Ok(out)
}

/// The same, for values a plugin wrote (API 0.1.0 prefill): what does not
/// fit its field is kept by its JSON form rather than refused.
pub fn depuis_json_souple(schema: &[Field], map: &Map<String, Value>) -> Vec<FormValue> {
    map.iter()
        .filter_map(|(key, v)| {
            let field = schema.iter().find(|f| f.key == *key);
            let value = valeur(field, v)
                .or_else(|_| valeur(None, v))
                .ok()
                .flatten()?;
            Some(FormValue {
                key: key.clone(),
                value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SubField;

    fn field(key: &str, kind: FieldKind) -> Field {
        Field {
            key: key.into(),
            label: key.to_uppercase(),
            kind,
            required: false,
            help: None,
        }
    }

    #[test]
    fn typed_values_round_trip_through_json() {
        let schema = vec![
            field("date", FieldKind::Scalar(ScalarKind::Date)),
            field("poids", FieldKind::Scalar(ScalarKind::Number)),
            field(
                "lignes",
                FieldKind::Repeated(vec![SubField {
                    key: "rang".into(),
                    label: "Rang".into(),
                    kind: ScalarKind::Number,
                    required: false,
                }]),
            ),
        ];
        let json = serde_json::json!({"date": "2026-07-14", "poids": "8,9", "lignes": [{"rang": 2, "vaccin": "J07"}], "vide": ""});
        let typed = depuis_json(&schema, json.as_object().unwrap()).unwrap();
        assert_eq!(typed.len(), 3);
        let back = vers_json(&typed);
        assert_eq!(back["date"], "2026-07-14");
        assert_eq!(back["poids"], 8.9);
        assert_eq!(back["lignes"][0]["rang"], 2);
        assert!(back["lignes"][0]["rang"].is_i64());
        assert_eq!(back["lignes"][0]["vaccin"], "J07");
    }

    #[test]
    fn a_value_that_does_not_fit_names_its_field() {
        let schema = vec![field("date", FieldKind::Scalar(ScalarKind::Date))];
        let e = depuis_json(
            &schema,
            serde_json::json!({"date": "14/07"}).as_object().unwrap(),
        )
        .unwrap_err();
        assert_eq!(e.champ, "DATE");
        assert!(e.motif.contains("n'est pas une date"), "{e}");
        // A plugin's own value is kept as text instead.
        let v = depuis_json_souple(
            &schema,
            serde_json::json!({"date": "14/07"}).as_object().unwrap(),
        );
        assert!(matches!(&v[0].value, FieldValue::Scalar(Scalar::Text(t)) if t == "14/07"));
    }
}
