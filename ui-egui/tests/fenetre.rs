//! Smoke test of the real window: the `esculape-ui` binary under Xvfb
//! (Mesa's software OpenGL) against a real host, in capture mode: it logs
//! in, searches, opens the file, asks the INSi, opens "À propos", the
//! agenda, the dashboard and a document, saves a PNG of each screen in
//! both themes and closes. The PNGs must be real drawings, light or dark
//! as their theme says.

mod hote;

use std::process::{Command, Stdio};
use std::time::Duration;

/// A virtual X server on a free display, stopped on drop.
struct Xvfb(std::process::Child, String);

impl Xvfb {
    fn start() -> Self {
        for n in 0..20 {
            let display = format!(":{}", 70 + (std::process::id() as usize + n) % 200);
            let lock = format!("/tmp/.X{}-lock", &display[1..]);
            if std::path::Path::new(&lock).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .args([&display, "-screen", "0", "1280x860x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb introuvable : `cargo xtask setup` installe le paquet xvfb");
            std::thread::sleep(Duration::from_millis(700));
            return Self(child, display);
        }
        panic!("aucun écran X libre");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_real_window_draws_the_main_screens() {
    let h = hote::demarrer();
    let x = Xvfb::start();
    let out = tempfile::tempdir().unwrap();
    let (login, password) = hote::MEDECIN;
    let run = Command::new(env!("CARGO_BIN_EXE_esculape-ui"))
        .env("DISPLAY", &x.1)
        .env_remove("WAYLAND_DISPLAY")
        .env("ESCULAPE_URL", &h.url)
        .env("ESCULAPE_CAPTURE", out.path())
        .env("ESCULAPE_CAPTURE_LOGIN", format!("{login}:{password}"))
        .env("ESCULAPE_CAPTURE_RECHERCHE", "martinez")
        .env("ESCULAPE_AFFICHAGE", out.path().join("affichage.json"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    // The capture's own list of screens: one added there is checked here.
    let ecrans = esculape_ui::capture::ECRANS;
    assert!(ecrans.len() >= 15, "{ecrans:?}");
    // Every screen in both themes.
    for name in ecrans
        .iter()
        .flat_map(|e| ["clair", "sombre"].map(|t| format!("{e}-{t}")))
    {
        let path = out.path().join(format!("{name}.png"));
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert!(info.width >= 800 && info.height >= 600, "{name}: {info:?}");
        // A drawn screen, not a blank one: many colours (text is
        // anti-aliased).
        let mut colours: Vec<&[u8]> = buf[..info.buffer_size()].chunks(4).collect();
        let clarte = colours
            .iter()
            .map(|p| u64::from(p[0]) + u64::from(p[1]) + u64::from(p[2]))
            .sum::<u64>()
            / (3 * colours.len() as u64);
        colours.sort();
        colours.dedup();
        assert!(colours.len() > 20, "{name}: {} couleurs", colours.len());
        // The light theme is light, the dark one dark.
        if name.ends_with("-clair") {
            assert!(clarte > 170, "{name}: clarté moyenne {clarte}");
        } else {
            assert!(clarte < 90, "{name}: clarté moyenne {clarte}");
        }
    }
}
