//! Typed form values (API 0.2.0): reading what the host hands `produce`,
//! writing what `prefill` answers, declaring fields. The host has checked
//! each value against the plugin's schema before the call; a plugin that
//! keeps its repeated fields as serde structures reads them with [`json`].

use crate::document::esculape::host::types::{Date, FieldValue, FormValue, ItemValue, Scalar};
use crate::document::exports::esculape::plugin::document_type::{
    Field, FieldKind, ScalarKind, SubField,
};
use serde_json::Value;

fn scalaire<'a>(values: &'a [FormValue], key: &str) -> Option<&'a Scalar> {
    values.iter().find_map(|v| match &v.value {
        FieldValue::Scalar(s) if v.key == key => Some(s),
        _ => None,
    })
}

fn iso(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// A scalar as text: a text or a code as typed, a date `AAAA-MM-JJ`, a
/// number or a yes/no as written.
pub fn texte_de(s: &Scalar) -> String {
    match s {
        Scalar::Text(t) | Scalar::Code(t) => t.clone(),
        Scalar::Date(d) => iso(d),
        Scalar::Number(n) => n.to_string(),
        Scalar::Boolean(b) => b.to_string(),
    }
}

/// A field's value as text (see [`texte_de`]); none when absent or a list.
pub fn texte(values: &[FormValue], key: &str) -> Option<String> {
    scalaire(values, key).map(texte_de)
}

/// A number (a text holding one, with a comma or a point, too).
pub fn nombre(values: &[FormValue], key: &str) -> Option<f64> {
    match scalaire(values, key)? {
        Scalar::Number(n) => Some(*n),
        Scalar::Text(t) => t.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
}

/// A date (a text `AAAA-MM-JJ` too).
pub fn date(values: &[FormValue], key: &str) -> Option<Date> {
    match scalaire(values, key)? {
        Scalar::Date(d) => Some(*d),
        Scalar::Text(t) => {
            let mut p = t.trim().split('-');
            let d = Date {
                year: p.next()?.parse().ok()?,
                month: p.next()?.parse().ok()?,
                day: p.next()?.parse().ok()?,
            };
            p.next().is_none().then_some(d)
        }
        _ => None,
    }
}

pub fn booleen(values: &[FormValue], key: &str) -> Option<bool> {
    match scalaire(values, key)? {
        Scalar::Boolean(b) => Some(*b),
        _ => None,
    }
}

/// Whether the form has a value for this key.
pub fn present(values: &[FormValue], key: &str) -> bool {
    values.iter().any(|v| v.key == key)
}

/// The items of a repeated field (none when absent).
pub fn lignes<'a>(values: &'a [FormValue], key: &str) -> &'a [Vec<ItemValue>] {
    values
        .iter()
        .find_map(|v| match &v.value {
            FieldValue::Items(items) if v.key == key => Some(items.as_slice()),
            _ => None,
        })
        .unwrap_or(&[])
}

fn scalaire_json(s: &Scalar) -> Value {
    match s {
        Scalar::Text(t) | Scalar::Code(t) => Value::String(t.clone()),
        Scalar::Date(d) => Value::String(iso(d)),
        Scalar::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Value::from(*n as i64),
        Scalar::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        Scalar::Boolean(b) => Value::Bool(*b),
    }
}

/// A value as JSON (dates `AAAA-MM-JJ`, whole numbers without a fraction,
/// items as objects), to read a repeated field into serde structures.
pub fn json(v: &FieldValue) -> Value {
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

/// The JSON of a field, `null` when absent.
pub fn json_de(values: &[FormValue], key: &str) -> Value {
    values
        .iter()
        .find(|v| v.key == key)
        .map_or(Value::Null, |v| json(&v.value))
}

fn deviner(v: &Value) -> Option<Scalar> {
    match v {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(Scalar::Text(s.clone())),
        Value::Number(n) => n.as_f64().map(Scalar::Number),
        Value::Bool(b) => Some(Scalar::Boolean(*b)),
        _ => None,
    }
}

/// A prefilled value from JSON: a list of objects becomes items, a string
/// text, a number a number; none for an empty value. For a date or a code,
/// use [`valeur`] with the typed scalar.
pub fn depuis_json(key: &str, v: &Value) -> Option<FormValue> {
    let value = match v {
        Value::Array(list) => FieldValue::Items(
            list.iter()
                .filter_map(|item| {
                    let Value::Object(o) = item else { return None };
                    Some(
                        o.iter()
                            .filter_map(|(k, v)| {
                                Some(ItemValue {
                                    key: k.clone(),
                                    value: deviner(v)?,
                                })
                            })
                            .collect(),
                    )
                })
                .collect(),
        ),
        other => FieldValue::Scalar(deviner(other)?),
    };
    Some(FormValue {
        key: key.into(),
        value,
    })
}

/// One prefilled value.
pub fn valeur(key: &str, s: Scalar) -> FormValue {
    FormValue {
        key: key.into(),
        value: FieldValue::Scalar(s),
    }
}

pub fn valeur_texte(key: &str, text: impl Into<String>) -> FormValue {
    valeur(key, Scalar::Text(text.into()))
}

pub fn valeur_nombre(key: &str, n: f64) -> FormValue {
    valeur(key, Scalar::Number(n))
}

pub fn valeur_date(key: &str, d: Date) -> FormValue {
    valeur(key, Scalar::Date(d))
}

/// A field of one value of this kind.
pub fn champ(
    key: &str,
    label: &str,
    kind: ScalarKind,
    required: bool,
    help: Option<&str>,
) -> Field {
    Field {
        key: key.into(),
        label: label.into(),
        kind: FieldKind::Scalar(kind),
        required,
        help: help.map(str::to_string),
    }
}

/// A repeated field: items of these sub-fields `(key, label, kind)`.
pub fn liste(
    key: &str,
    label: &str,
    sous_champs: &[(&str, &str, ScalarKind)],
    required: bool,
    help: Option<&str>,
) -> Field {
    Field {
        key: key.into(),
        label: label.into(),
        kind: FieldKind::Repeated(
            sous_champs
                .iter()
                .map(|(k, l, kind)| SubField {
                    key: (*k).into(),
                    label: (*l).into(),
                    kind: kind.clone(),
                    required: false,
                })
                .collect(),
        ),
        required,
        help: help.map(str::to_string),
    }
}
