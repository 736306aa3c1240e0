//! The one error type of every decider.
//!
//! Its variants are what a caller branches on: bad input names the field
//! (HTTP 400), a missing or already existing aggregate (404, 409), and a
//! broken business rule with a stable code (422). The codes are part of the
//! API: clients and translations key on them, so they never change meaning.

use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A field of the command is not acceptable.
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    /// The command addresses an aggregate that does not exist.
    #[error("{entity} does not exist")]
    NotFound {
        entity: &'static str,
        /// Known for parts of an aggregate (a channel of a party); the
        /// aggregate's own id is known to the caller, not to `decide`.
        id: Option<Uuid>,
    },
    /// The command would create an aggregate that already exists.
    #[error("{entity} {id} already exists")]
    AlreadyExists { entity: &'static str, id: Uuid },
    /// The command breaks a business rule.
    #[error("{message}")]
    Rejected {
        /// Stable, dotted, lower-case: `deal.closed`.
        rule: &'static str,
        message: String,
    },
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }

    pub fn rejected(rule: &'static str, message: impl Into<String>) -> Self {
        Self::Rejected {
            rule,
            message: message.into(),
        }
    }

    /// The aggregate a command addresses does not exist.
    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity, id: None }
    }

    /// A part of an aggregate (a channel, a stage) does not exist.
    pub fn part_not_found(entity: &'static str, id: impl Into<Uuid>) -> Self {
        Self::NotFound {
            entity,
            id: Some(id.into()),
        }
    }

    pub fn already_exists(entity: &'static str, id: impl Into<Uuid>) -> Self {
        Self::AlreadyExists {
            entity,
            id: id.into(),
        }
    }

    /// The field at fault, for input errors.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The rule broken, for rejections.
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            Self::Rejected { rule, .. } => Some(rule),
            _ => None,
        }
    }

    /// The same error with its field nested under `parent`
    /// (`value` becomes `channels.value`).
    pub fn within(self, parent: &str) -> Self {
        match self {
            Self::Invalid { field, problem } => Self::Invalid {
                field: format!("{parent}.{field}"),
                problem,
            },
            other => other,
        }
    }
}
