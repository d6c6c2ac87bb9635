//! The widgets every screen is made of. An icon is decoration: each
//! widget's accessible label is its words only, so that screen readers
//! (and the tests, which find widgets by label) read what a user reads.

use super::{Ton, espace, icone, palette, texte};
use egui::{
    Color32, CornerRadius, Margin, Response, RichText, Sense, Stroke, StrokeKind, Ui, WidgetInfo,
    WidgetType, vec2,
};
use esculape_domain::agenda::AppointmentStatus;
use esculape_domain::document::SendingState;
use esculape_domain::identity::IdentityStatus;

/// The label of `r` for assistive technology: `texte`, without the icon.
fn etiquette(r: &Response, typ: WidgetType, texte: &str) {
    let actif = r.enabled();
    r.widget_info(|| WidgetInfo::labeled(typ, actif, texte));
}

/// A status badge: icon and words on the tone's tint.
pub fn badge(ui: &mut Ui, ton: Ton, icone: &str, texte: &str) -> Response {
    let p = palette(ui);
    let (encre, teinte) = p.ton(ton);
    let police = egui::TextStyle::Body.resolve(ui.style());
    let galley = ui
        .painter()
        .layout_no_wrap(format!("{icone} {texte}"), police, encre);
    let marge = vec2(8.0, 3.0);
    let (rect, r) = ui.allocate_exact_size(galley.size() + 2.0 * marge, Sense::hover());
    if ui.is_rect_visible(rect) {
        ui.painter().rect(
            rect,
            CornerRadius::same(12),
            teinte,
            Stroke::new(1.0, encre.gamma_multiply(0.4)),
            StrokeKind::Inside,
        );
        ui.painter().galley(rect.min + marge, galley, encre);
    }
    etiquette(&r, WidgetType::Label, texte);
    r
}

/// The tone and icon of an identity status (INS rules).
pub fn ton_identite(s: IdentityStatus) -> (Ton, &'static str) {
    match s {
        IdentityStatus::Qualifiee => (Ton::Succes, icone::SEAL_CHECK),
        IdentityStatus::Validee => (Ton::Info, icone::IDENTIFICATION_CARD),
        IdentityStatus::Recuperee => (Ton::Attention, icone::WARNING),
        IdentityStatus::Provisoire => (Ton::Danger, icone::QUESTION),
    }
}

/// The identity status badge, with what to do next on hover.
pub fn badge_identite(ui: &mut Ui, s: IdentityStatus) -> Response {
    let (ton, i) = ton_identite(s);
    badge(ui, ton, i, s.label()).on_hover_text(crate::libelles::vers_qualifiee(s))
}

/// The tone and icon of a sending state (DMP, MSSanté).
pub fn ton_envoi(s: SendingState) -> (Ton, &'static str) {
    match s {
        SendingState::NonEnvoye => (Ton::Neutre, icone::CIRCLE_DASHED),
        SendingState::EnAttente => (Ton::Attention, icone::HOURGLASS),
        SendingState::Envoye => (Ton::Succes, icone::CHECK_CIRCLE),
        SendingState::Echec => (Ton::Danger, icone::X_CIRCLE),
        SendingState::NonConcerne => (Ton::Neutre, icone::MINUS),
        SendingState::Annule => (Ton::Neutre, icone::PROHIBIT),
        SendingState::Retire => (Ton::Neutre, icone::TRASH),
    }
}

pub fn badge_envoi(ui: &mut Ui, s: SendingState) -> Response {
    let (ton, i) = ton_envoi(s);
    badge(ui, ton, i, crate::libelles::envoi(s))
}

/// The tone and icon of an appointment's state.
pub fn ton_rdv(s: AppointmentStatus) -> (Ton, &'static str) {
    use AppointmentStatus as S;
    match s {
        S::Prevu => (Ton::Info, icone::CALENDAR_BLANK),
        S::Arrive => (Ton::Attention, icone::ARMCHAIR),
        S::EnConsultation => (Ton::Primaire, icone::STETHOSCOPE),
        S::Termine => (Ton::Succes, icone::CHECK_CIRCLE),
        S::Annule => (Ton::Neutre, icone::X_CIRCLE),
        S::Absent => (Ton::Danger, icone::USER_MINUS),
    }
}

/// A section card: a titled surface holding its content.
pub fn carte<R>(
    ui: &mut Ui,
    icone: &str,
    titre: &str,
    contenu: impl FnOnce(&mut Ui) -> R,
) -> egui::InnerResponse<R> {
    let p = palette(ui);
    egui::Frame::new()
        .fill(p.surface)
        .stroke(Stroke::new(1.0, p.bordure))
        .corner_radius(CornerRadius::same(espace::ARRONDI))
        .inner_margin(Margin::same(espace::M as i8))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(icone)
                        .text_style(texte::titre())
                        .color(p.primaire),
                );
                ui.label(
                    RichText::new(titre)
                        .text_style(texte::titre())
                        .strong()
                        .color(p.texte),
                );
            });
            ui.add_space(espace::XS);
            contenu(ui)
        })
}

/// The frame of a band across the window (the top bar, the patient
/// banner): the card's surface, a border, no rounding.
pub fn bande(ui: &Ui) -> egui::Frame {
    let p = palette(ui);
    egui::Frame::new()
        .fill(p.surface)
        .stroke(Stroke::new(1.0, p.bordure))
        .inner_margin(Margin::symmetric(espace::L as i8, espace::S as i8))
}

/// What a list says when it has nothing to show (wrapped to the card).
pub fn etat_vide(ui: &mut Ui, icone: &str, texte: &str) {
    let p = palette(ui);
    ui.horizontal_top(|ui| {
        ui.label(RichText::new(icone).color(p.texte_discret));
        ui.add(egui::Label::new(RichText::new(texte).color(p.texte_discret)).wrap());
    });
}

/// A table wider than its card scrolls sideways inside it, rather than
/// spilling over the card beside it.
pub fn large<R>(ui: &mut Ui, id: &str, contenu: impl FnOnce(&mut Ui) -> R) -> R {
    egui::ScrollArea::horizontal()
        .id_salt(("large", id))
        .auto_shrink([false, true])
        .show(ui, contenu)
        .inner
}

/// A drop-down list with its label before it, as every field of the
/// product reads (egui's own puts it after).
pub fn liste_deroulante<R>(
    ui: &mut Ui,
    libelle: &str,
    choisi: impl Into<egui::WidgetText>,
    choix: impl FnOnce(&mut Ui) -> R,
) -> Response {
    let id = ui.id().with(("liste", libelle));
    ui.horizontal(|ui| {
        let l = ui.label(libelle);
        egui::ComboBox::from_id_salt(id)
            .selected_text(choisi)
            .show_ui(ui, choix)
            .response
            .labelled_by(l.id)
    })
    .inner
}

/// The big version of [`etat_vide`], for a whole screen.
pub fn accueil_vide(ui: &mut Ui, icone: &str, titre: &str, texte: &str) {
    let p = palette(ui);
    ui.vertical_centered(|ui| {
        ui.add_space(espace::XL * 3.0);
        ui.label(RichText::new(icone).size(56.0).color(p.texte_discret));
        ui.add_space(espace::S);
        ui.label(
            RichText::new(titre)
                .text_style(texte::titre())
                .color(p.texte),
        );
        ui.label(RichText::new(texte).color(p.texte_discret));
    });
}

/// A full-width message on its tone's tint: an error, a warning, news.
/// The words are one label (found whole by assistive technology).
pub fn bandeau(ui: &mut Ui, ton: Ton, icone: &str, texte: &str) -> Response {
    let p = palette(ui);
    let (encre, teinte) = p.ton(ton);
    egui::Frame::new()
        .fill(teinte)
        .stroke(Stroke::new(1.0, encre.gamma_multiply(0.5)))
        .corner_radius(CornerRadius::same(8))
        .inner_margin(Margin::symmetric(espace::M as i8, espace::S as i8))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(icone).color(encre));
                ui.add(egui::Label::new(RichText::new(texte).color(encre)).wrap());
            });
        })
        .response
}

pub fn bandeau_erreur(ui: &mut Ui, texte: &str) -> Response {
    bandeau(ui, Ton::Danger, icone::WARNING_CIRCLE, texte)
}

/// Work under way: a spinner, what is done, and the seconds waited.
pub fn ligne_progression(ui: &mut Ui, texte: &str, depuis: Option<std::time::Instant>) {
    let p = palette(ui);
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(texte);
        if let Some(t) = depuis {
            let s = t.elapsed().as_secs();
            if s > 0 {
                ui.label(RichText::new(format!("{s} s")).color(p.texte_discret));
            }
        }
    });
}

/// A button with its icon.
pub fn bouton(ui: &mut Ui, actif: bool, icone: &str, texte: &str) -> Response {
    let r = ui.add_enabled(actif, egui::Button::new(format!("{icone}  {texte}")));
    etiquette(&r, WidgetType::Button, texte);
    r
}

/// A button that is only its icon (its words on hover and for assistive
/// technology).
pub fn bouton_icone(ui: &mut Ui, actif: bool, icone: &str, texte: &str) -> Response {
    let r = ui
        .add_enabled(actif, egui::Button::new(icone))
        .on_hover_text(texte);
    etiquette(&r, WidgetType::Button, texte);
    r
}

/// The screen's main action, in the primary colour.
pub fn bouton_principal(ui: &mut Ui, actif: bool, icone: &str, texte: &str) -> Response {
    let p = palette(ui);
    let b = egui::Button::new(
        RichText::new(format!("{icone}  {texte}"))
            .color(if actif {
                p.sur_primaire
            } else {
                p.texte_discret
            })
            .strong(),
    )
    .fill(if actif { p.primaire } else { p.bouton });
    let r = ui.add_enabled(actif, b);
    etiquette(&r, WidgetType::Button, texte);
    r
}

/// A small, frameless action in a list row.
pub fn action(ui: &mut Ui, actif: bool, icone: &str, texte: &str) -> Response {
    let r = ui.add_enabled(
        actif,
        egui::Button::new(RichText::new(format!("{icone} {texte}")).small()).small(),
    );
    etiquette(&r, WidgetType::Button, texte);
    r
}

/// [`action`] on one of a list's rows: the same words on every row, and
/// for assistive technology the row it acts on (`« texte : pour »`).
pub fn action_sur(ui: &mut Ui, actif: bool, icone: &str, texte: &str, pour: &str) -> Response {
    let r = action(ui, actif, icone, texte);
    etiquette(&r, WidgetType::Button, &format!("{texte} : {pour}"));
    r
}

/// A tab of the navigation: selected or not.
pub fn onglet(ui: &mut Ui, choisi: bool, icone: &str, texte: &str) -> Response {
    let p = palette(ui);
    let couleur = if choisi { p.primaire } else { p.texte };
    let r = ui.add(
        egui::Button::selectable(
            choisi,
            RichText::new(format!("{icone}  {texte}"))
                .color(couleur)
                .strong(),
        )
        .frame_when_inactive(false),
    );
    let actif = r.enabled();
    r.widget_info(|| WidgetInfo::selected(WidgetType::SelectableLabel, actif, choisi, texte));
    r
}

/// Secondary text (dates, hints, counts).
pub fn discret(ui: &mut Ui, texte: impl Into<String>) -> Response {
    let p = palette(ui);
    ui.label(RichText::new(texte.into()).color(p.texte_discret))
}

/// A label: value pair on one line ("Né le  12/03/1975").
pub fn champ_lu(ui: &mut Ui, libelle: &str, valeur: &str) {
    let p = palette(ui);
    ui.label(RichText::new(libelle).small().color(p.texte_discret));
    ui.label(valeur);
}

/// A thin line between the groups of a card.
pub fn separateur(ui: &mut Ui) {
    let p = palette(ui);
    let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), 9.0), Sense::hover());
    ui.painter()
        .hline(rect.x_range(), rect.center().y, Stroke::new(1.0, p.bordure));
}

/// A coloured dot (a legend's, a block's state).
pub fn pastille(ui: &mut Ui, couleur: Color32) {
    let (rect, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
    ui.painter().circle_filled(rect.center(), 4.5, couleur);
}
