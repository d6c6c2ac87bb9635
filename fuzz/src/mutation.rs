//! Mutations of an input, in the manner of libFuzzer's mutators: bit
//! flips, interesting bytes and numbers, insertions, deletions, copies of
//! a range, crossing with another input, and the tokens of the format
//! (XML markup, zip headers), stacked one to four at a time.

/// Largest input a mutation makes: past it, inputs are cut (the parsers'
/// own size limits are tested by their crates, not by growing inputs).
pub const TAILLE_MAX: usize = 1 << 20;

const OCTETS: &[u8] = &[
    0, 1, 0x7f, 0x80, 0xff, b'<', b'>', b'&', b'"', b'\'', b'/', b'=', b'\n', b';', b'\\', b'%',
];
const NOMBRES: &[&[u8]] = &[
    b"0",
    b"-1",
    b"65535",
    b"4294967295",
    b"18446744073709551615",
    b"99999999999999999999999",
    b"1e308",
    b"NaN",
];

/// The pseudo-random source of a run (reproducible from its seed).
pub struct Hasard(fastrand::Rng);

impl Hasard {
    pub fn new(graine: u64) -> Self {
        Self(fastrand::Rng::with_seed(graine))
    }
    pub fn sous(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.0.usize(..n) }
    }
    fn octet(&mut self) -> u8 {
        self.0.u8(..)
    }
    fn piece<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.sous(v.len())]
    }
    /// A range of `len` bytes: its start and length (at most 64).
    fn plage(&mut self, len: usize) -> (usize, usize) {
        let debut = self.sous(len);
        let n = 1 + self.sous((len - debut).min(64));
        (debut, n)
    }
}

/// `entree` mutated by one to four operations; `autres` (the corpus) for
/// crossing, `jetons` the format's tokens.
pub fn muter(h: &mut Hasard, entree: &[u8], autres: &[Vec<u8>], jetons: &[&[u8]]) -> Vec<u8> {
    let mut v = entree.to_vec();
    for _ in 0..1 + h.sous(4) {
        operation(h, &mut v, autres, jetons);
    }
    v.truncate(TAILLE_MAX);
    v
}

fn operation(h: &mut Hasard, v: &mut Vec<u8>, autres: &[Vec<u8>], jetons: &[&[u8]]) {
    let pos = h.sous(v.len() + 1);
    match h.sous(11) {
        0 if !v.is_empty() => {
            let i = h.sous(v.len());
            v[i] ^= 1 << h.sous(8);
        }
        1 if !v.is_empty() => {
            let i = h.sous(v.len());
            v[i] = if h.sous(2) == 0 {
                *h.piece(OCTETS)
            } else {
                h.octet()
            };
        }
        2 => {
            let n = 1 + h.sous(8);
            let octets: Vec<u8> = (0..n).map(|_| h.octet()).collect();
            v.splice(pos..pos, octets);
        }
        3 if !v.is_empty() => {
            let (d, n) = h.plage(v.len());
            v.drain(d..d + n);
        }
        4 if !v.is_empty() => {
            // a range copied elsewhere (repeats an element, a header)
            let (d, n) = h.plage(v.len());
            let copie = v[d..d + n].to_vec();
            let pos = h.sous(v.len() + 1);
            v.splice(pos..pos, copie);
        }
        5 if !v.is_empty() => {
            let (d, n) = h.plage(v.len());
            let dest = h.sous(v.len() - n + 1);
            let copie = v[d..d + n].to_vec();
            v[dest..dest + n].copy_from_slice(&copie);
        }
        6 if !v.is_empty() => v.truncate(h.sous(v.len())),
        7 if !autres.is_empty() => {
            // crossing: the head of this one, the tail of another
            let autre = h.piece(autres);
            let coupe = h.sous(autre.len() + 1);
            v.truncate(pos);
            v.extend_from_slice(&autre[coupe..]);
        }
        8 if !jetons.is_empty() => {
            let j = *h.piece(jetons);
            v.splice(pos..pos, j.iter().copied());
        }
        9 => nombre(h, v),
        10 if !jetons.is_empty() => {
            // a token repeated: deep nesting, long runs
            let j = *h.piece(jetons);
            let fois = 1 + h.sous(2000);
            let mut bloc = Vec::with_capacity(j.len() * fois);
            for _ in 0..fois {
                bloc.extend_from_slice(j);
            }
            v.splice(pos..pos, bloc);
        }
        _ => {
            let i = h.sous(v.len() + 1);
            v.insert(i.min(v.len()), h.octet());
        }
    }
}

/// Replaces a run of ASCII digits with an interesting number, or puts a
/// little-endian integer of an interesting size at a random place.
fn nombre(h: &mut Hasard, v: &mut Vec<u8>) {
    let chiffres: Vec<usize> = (0..v.len()).filter(|&i| v[i].is_ascii_digit()).collect();
    if !chiffres.is_empty() && h.sous(2) == 0 {
        let d = *h.piece(&chiffres);
        let f = (d..v.len())
            .find(|&i| !v[i].is_ascii_digit())
            .unwrap_or(v.len());
        v.splice(d..f, h.piece(NOMBRES).iter().copied());
    } else if v.len() >= 4 {
        let i = h.sous(v.len() - 3);
        let x: u32 = *h.piece(&[0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff]);
        v[i..i + 4].copy_from_slice(&x.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_inputs_and_stay_bounded() {
        let mut h = Hasard::new(7);
        let graine = b"<a><b>12</b></a>".to_vec();
        let mut differentes = 0;
        for _ in 0..2000 {
            let m = muter(&mut h, &graine, &[b"PK\x03\x04".to_vec()], &[b"<x>"]);
            assert!(m.len() <= TAILLE_MAX);
            differentes += usize::from(m != graine);
        }
        assert!(differentes > 1900, "{differentes}");
        // from nothing too
        for _ in 0..200 {
            muter(&mut h, &[], &[], &[]);
        }
    }
}
