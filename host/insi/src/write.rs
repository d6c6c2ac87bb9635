//! Writing the messages: a thin layer over quick-xml's writer.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

pub(crate) struct Xml(Writer<Vec<u8>>);

impl Xml {
    /// A SOAP 1.2 envelope opened up to its `Body` (its `Header` when
    /// `header`).
    pub fn envelope(header: bool) -> Self {
        let mut x = Self(Writer::new(Vec::new()));
        x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        x.open("soap:Envelope", &[("xmlns:soap", crate::SOAP_NS)]);
        x.open(if header { "soap:Header" } else { "soap:Body" }, &[]);
        x
    }
    /// Close the `Body` and the envelope; the text.
    pub fn finish(mut self) -> String {
        self.close("soap:Body");
        self.close("soap:Envelope");
        String::from_utf8_lossy(&self.0.into_inner()).into_owned()
    }
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut e = BytesStart::new(name);
        for a in attrs {
            e.push_attribute(*a);
        }
        self.event(Event::Start(e));
    }
    pub fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }
    pub fn empty(&mut self, name: &str) {
        self.event(Event::Empty(BytesStart::new(name)));
    }
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name);
    }
    pub fn opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf(name, &[], t);
        }
    }
    fn event(&mut self, e: Event<'_>) {
        // Writing into a Vec cannot fail.
        let _ = self.0.write_event(e);
    }
}
