//! An ODRL 2.2 rights engine for digital assets.
//!
//! "May we use this photo on Instagram in Germany next month?" — this crate answers with a
//! decision and a compliance report that explains it, from a policy written in the W3C
//! [ODRL 2.2](https://www.w3.org/TR/odrl-model/) information model.
//!
//! - [`model`]: policies (Set, Offer, Agreement; conflict strategies), permissions with
//!   duties, prohibitions with remedies, obligations with consequences, constraints and
//!   logical constraints, refinements, asset and party collections.
//! - [`graph`]: reading Turtle (`oxttl`) and ODRL JSON-LD compact form (the ODRL context is
//!   bundled and never fetched); [`model::Policy::to_jsonld`] writes JSON-LD.
//! - [`vocab`]: actions with the ODRL `includedIn` hierarchy (Creative Commons terms
//!   included), left operands, operators, ISO 3166 groupings (EU, EEA, DACH ...). All open:
//!   a profile adds its own terms.
//! - [`eval`]: a [`eval::Request`] plus a [`eval::World`] give a [`eval::Decision`] and a
//!   [`eval::PolicyReport`] (per rule activation and attempt state, per premise satisfaction,
//!   per duty performance and deontic state), as JSON (serde) or Turtle in the FORCE
//!   compliance-report vocabulary ([`eval::PolicyReport::to_turtle`]). Closed world by
//!   default. [`eval::Evaluator::decide`] gives the decision alone, fast.
//! - [`conformance`]: runs the SolidLab ODRL evaluator test suite layout.
//! - [`dam`]: a builder for the rights DAM users write (licence window, territories,
//!   channels, media, maximum uses, editorial only, credit line, releases, no AI training),
//!   rights from embedded metadata (XMP rights, PLUS, IPTC Extension, Creative Commons
//!   licence URIs), and expiry [`dam::alerts`] with enforcement hints.
//!
//! # Example
//!
//! ```
//! use damkit_rights::dam::RightsBuilder;
//! use damkit_rights::eval::{CompiledPolicy, Decision, Evaluator, Request, World};
//! use damkit_rights::vocab::Action;
//!
//! let licence = RightsBuilder::new("urn:damkit:licence:42")
//!     .asset("urn:damkit:asset:1")
//!     .window("2026-01-01", "2026-12-31", "Europe/Berlin")?
//!     .territories(&["EU"])
//!     .channels(&["web", "social"])
//!     .build()?;
//! let policy = CompiledPolicy::new(licence);
//! let request = Request::new(Action::DISTRIBUTE)
//!     .target("urn:damkit:asset:1")
//!     .at("2026-12-01T00:00:00Z".parse()?)
//!     .spatial("DE")
//!     .channel("web");
//! let report = Evaluator::new().evaluate(&policy, &request, &World::new());
//! assert_eq!(report.decision, Decision::Permit);
//! let in_the_us = Request::new(Action::DISTRIBUTE)
//!     .target("urn:damkit:asset:1")
//!     .at("2026-12-01T00:00:00Z".parse()?)
//!     .spatial("US")
//!     .channel("web");
//! let report = Evaluator::new().evaluate(&policy, &in_the_us, &World::new());
//! assert_eq!(report.decision, Decision::NotApplicable);
//! println!("{:?}", report.reasons);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantics
//!
//! | premise | satisfied when |
//! |---|---|
//! | target | the rule has none, or the request's asset is a target or `partOf` a target collection (state of the world) |
//! | party | the rule has no assignee, or the request's party is one or `partOf` an assignee collection |
//! | action | the requested action is the rule's action or transitively `includedIn` it, and the action's refinements hold |
//! | constraint | the operator holds between the context value(s) and the right operand; no value: unsatisfied (closed world); unknown operator: unsatisfied, reported |
//!
//! A permission with a duty known to be violated is inactive ([`eval::DutySemantics`] selects
//! the stricter "duty must be performed" reading of the W3C examples). The decision is
//! Permit when a permission is active and no prohibition is, Deny when a prohibition is
//! active and no permission is, resolved by the policy's conflict strategy when both are
//! (ODRL's default `invalid` voids the policy: Deny), NotApplicable when nothing applies.
//! Active obligations and pending duties are listed in the report and its reasons; they do
//! not change the decision.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod conformance;
pub mod dam;
pub mod error;
pub mod eval;
pub mod graph;
mod jsonld;
pub mod model;
mod report;
pub mod value;
pub mod vocab;

pub use error::{Result, RightsError};
pub use eval::{CompiledPolicy, Decision, Evaluator, PolicyReport, Request, World};
pub use model::Policy;
