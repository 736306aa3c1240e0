//! How domain events become log payloads and back.
//!
//! Every event has a stable type name (`DealWon`) and a schema version; its
//! payload is the bincode encoding of its own struct. Each bounded context
//! declares its event enum with [`domain_events!`], which generates the
//! mapping in both directions, so a name can never drift from its type.
//!
//! bincode encodes enum variants and struct fields by position: a payload
//! struct may only change through a new schema version and an upcaster, and
//! enums inside payloads only grow at the end.

/// Events of one aggregate type, as the log stores them; each names its
/// personal fields ([`crate::personal`]), if it has any.
pub trait DomainEvent: Sized + Clone + crate::personal::PersonalData {
    /// The stream category of the aggregate: `party` for `party-<id>`.
    const CATEGORY: &'static str;
    /// Every type name this enum encodes, for filters and catalogues.
    const EVENT_TYPES: &'static [&'static str];

    fn event_type(&self) -> &'static str;
    fn schema_version(&self) -> u16;
    fn encode(&self) -> Vec<u8>;
    fn decode(event_type: &str, schema_version: u16, payload: &[u8]) -> Result<Self, DecodeError>;
}

/// A stored payload that this version of the domain cannot read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown event type {event_type:?}")]
    UnknownType { event_type: String },
    #[error(
        "{event_type} has schema version {schema_version}, which no upcaster brings to the current one"
    )]
    UnsupportedVersion {
        event_type: String,
        schema_version: u16,
    },
    #[error("{event_type}: malformed payload: {reason}")]
    Malformed { event_type: String, reason: String },
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

/// Encodes one payload struct.
pub fn encode_payload<T: serde::Serialize>(payload: &T) -> Vec<u8> {
    // Payload structs hold only strings, numbers, ids, decimals, times,
    // options, vectors and enums, all of which bincode encodes into a
    // growing vector without error; a failure here is a programming error
    // in a payload type, caught by the round-trip test every event gets.
    bincode::serde::encode_to_vec(payload, config())
        .expect("every domain payload type encodes with bincode")
}

/// Decodes one payload struct; trailing bytes are an error.
pub fn decode_payload<T: serde::de::DeserializeOwned>(
    event_type: &str,
    payload: &[u8],
) -> Result<T, DecodeError> {
    let malformed = |reason: String| DecodeError::Malformed {
        event_type: event_type.to_owned(),
        reason,
    };
    let (value, read) = bincode::serde::decode_from_slice::<T, _>(payload, config())
        .map_err(|error| malformed(error.to_string()))?;
    if read != payload.len() {
        return Err(malformed(format!(
            "{} bytes left after the payload",
            payload.len() - read
        )));
    }
    Ok(value)
}

/// Declares an aggregate's event enum: one variant per event, each holding
/// its payload struct, with its stable type name and schema version.
///
/// A payload that changed shape names its older versions and the structs
/// they were stored as, `v 2 upcast { 1 => InvoiceIssuedV1 }`: a stored
/// older payload decodes as its own struct and becomes today's through
/// `From`. Events are only ever written at the current version.
#[macro_export]
macro_rules! domain_events {
    (
        $(#[$meta:meta])*
        pub enum $name:ident in $category:literal {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident($payload:ty) = $type_name:literal v $version:literal
                    $( upcast { $( $old_version:literal => $old_payload:ty ),+ $(,)? } )?
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant($payload), )+
        }

        /// Serializes the payload alone (the type name travels beside
        /// it), for readers that show events, such as the live feed.
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$variant(payload) => ::serde::Serialize::serialize(payload, serializer), )+
                }
            }
        }

        impl $crate::codec::DomainEvent for $name {
            const CATEGORY: &'static str = $category;
            const EVENT_TYPES: &'static [&'static str] = &[$($type_name),+];

            fn event_type(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => $type_name, )+
                }
            }

            fn schema_version(&self) -> u16 {
                match self {
                    $( Self::$variant(_) => $version, )+
                }
            }

            fn encode(&self) -> Vec<u8> {
                match self {
                    $( Self::$variant(payload) => $crate::codec::encode_payload(payload), )+
                }
            }

            fn decode(
                event_type: &str,
                schema_version: u16,
                payload: &[u8],
            ) -> Result<Self, $crate::codec::DecodeError> {
                match event_type {
                    $(
                        $type_name => match schema_version {
                            $version => $crate::codec::decode_payload(event_type, payload)
                                .map(Self::$variant),
                            $($(
                                $old_version => $crate::codec::decode_payload::<$old_payload>(
                                    event_type,
                                    payload,
                                )
                                .map(|old| Self::$variant(<$payload>::from(old))),
                            )+)?
                            _ => Err($crate::codec::DecodeError::UnsupportedVersion {
                                event_type: event_type.to_owned(),
                                schema_version,
                            }),
                        },
                    )+
                    _ => Err($crate::codec::DecodeError::UnknownType {
                        event_type: event_type.to_owned(),
                    }),
                }
            }
        }
    };
}
