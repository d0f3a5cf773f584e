//! What a slicer will find in an STL: closed, manifold, volume, size, and
//! what "make printable" repaired.

use crate::formats::print_facts;
use leptos::prelude::*;
use trellis_api::PrintReport;

/// The print report of an STL, as a short list of facts.
#[component]
pub(super) fn PrintReportFacts(report: PrintReport) -> impl IntoView {
    let printable = report.closed && report.manifold;
    view! {
        <div class="print-report" id="print-report" data-printable=printable.to_string()>
            <p class="print-verdict">
                {if printable {
                    "Ready to slice: closed and manifold."
                } else {
                    "Not watertight: a slicer may fail or guess. Try \u{201c}Make printable\u{201d}."
                }}
            </p>
            <dl>
                {print_facts(&report).into_iter().map(|(name, value)| view! {
                    <dt>{name}</dt>
                    <dd>{value}</dd>
                }).collect_view()}
            </dl>
        </div>
    }
}
