//! Units: the DSR's « pré-traitement » of a result whose unit differs from
//! the value set's UCUM unit only by a prefix (mol/L → mmol/L, dL → L), on
//! `ucum-units` (a maintained, conformance-tested UCUM implementation).

/// Longest unit text looked at.
const UNITE_MAX: usize = 64;

/// The unit as UCUM writes it: the micro sign laboratories print (`µ`, `μ`)
/// is UCUM's `u`; the French « UI » is `[IU]`.
pub fn normaliser(unite: &str) -> String {
    unite.trim().replace(['µ', 'μ'], "u").replace("UI", "[IU]")
}

/// What multiplies a value in `de` to express it in `vers`, when both are
/// the same kind of quantity: 1 for the same unit, 1000 from mol/L to
/// mmol/L. `None` when they cannot be converted (g/L and mmol/L: that is
/// the JDV's correspondence, not a unit change) or are not UCUM.
pub fn facteur(de: &str, vers: &str) -> Option<f64> {
    if de.len() > UNITE_MAX || vers.len() > UNITE_MAX {
        return None;
    }
    let (de, vers) = (normaliser(de), normaliser(vers));
    if de == vers {
        return Some(1.0);
    }
    match ucum::convert(1.0, &de, &vers) {
        Ok(f) if f.is_finite() && f > 0.0 => Some(f),
        _ => None,
    }
}

/// A value rounded to what a report prints: 4 significant digits (a
/// conversion by a factor of 1000 gives 999.9999999999999).
pub fn arrondi(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let ordre = v.abs().log10().floor() as i32;
    let p = 10f64.powi(3 - ordre);
    (v * p).round() / p
}
