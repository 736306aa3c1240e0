//! User rules as given / when / then, and the built-in roles' matrix
//! written out in full.

use super::*;
use crate::testing::{at, given, issue};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

fn login(text: &str) -> Login {
    Login::parse("login", text).unwrap()
}

fn registered(roles: &[Role]) -> UserEvent {
    UserEvent::Registered(UserRegistered {
        login: "anna".to_owned(),
        display_name: "Anna".to_owned(),
        roles: roles.to_vec(),
        branch: None,
        password_hash: HASH.to_owned(),
    })
}

fn register(roles: &[Role]) -> UserCommand {
    UserCommand::Register {
        login: login("Anna"),
        display_name: Label::parse("display_name", "Anna").unwrap(),
        roles: roles.to_vec(),
        branch: None,
        password: PasswordHash::parse("password", HASH).unwrap(),
    }
}

fn issue_token(token: u128, permissions: &[&str]) -> UserCommand {
    UserCommand::IssueToken {
        token_id: Uuid::from_u128(token),
        name: Label::parse("name", "shop sync").unwrap(),
        permissions: permissions
            .iter()
            .map(|text| Permission::parse("permissions", text).unwrap())
            .collect(),
        secret: SecretDigest([token as u8; 32]),
        expires_at: None,
        through: None,
    }
}

fn revoke_token(token: u128) -> UserCommand {
    UserCommand::RevokeToken {
        token_id: Uuid::from_u128(token),
        through: None,
    }
}

fn token_issued(token: u128, permissions: &[&str]) -> UserEvent {
    UserEvent::TokenIssued(ApiTokenIssued {
        token_id: Uuid::from_u128(token),
        name: "shop sync".to_owned(),
        permissions: permissions
            .iter()
            .map(|text| Permission::parse("permissions", text).unwrap())
            .collect(),
        secret_sha256: [token as u8; 32],
        expires_at: None,
    })
}

/// Protects registration: the login is lower-cased and roles are kept.
#[test]
fn registering_records_the_lower_cased_login() {
    given::<User>([])
        .when(issue(register(&[Role::SalesManager])))
        .then(vec![registered(&[Role::SalesManager])]);
}

/// Protects unique logins: the second registration of a login is refused.
#[test]
fn registering_a_taken_login_is_rejected() {
    given::<User>([registered(&[Role::Auditor])])
        .when(issue(register(&[Role::SalesManager])))
        .then_rejected("user.login_taken");
}

/// Protects against users that can do nothing and cannot be told apart
/// from a mistake.
#[test]
fn a_user_without_roles_is_invalid() {
    given::<User>([])
        .when(issue(register(&[])))
        .then_invalid("roles");
    given::<User>([registered(&[Role::Auditor])])
        .when(issue(UserCommand::ChangeRoles(Vec::new())))
        .then_invalid("roles");
}

/// Protects the audit trail from noise: giving the same roles again
/// records nothing.
#[test]
fn the_same_roles_again_change_nothing() {
    given::<User>([registered(&[Role::Accountant, Role::Auditor])])
        .when(issue(UserCommand::ChangeRoles(vec![
            Role::Accountant,
            Role::Auditor,
            Role::Accountant,
        ])))
        .then_nothing();
}

/// Protects commands on nobody.
#[test]
fn commands_on_an_unknown_user_are_not_found() {
    given::<User>([])
        .when(issue(UserCommand::Disable))
        .then_not_found();
}

/// Protects least privilege: a token never carries more than its user's
/// roles grant.
#[test]
fn a_token_beyond_the_users_roles_is_rejected() {
    given::<User>([registered(&[Role::SalesManager])])
        .when(issue(issue_token(1, &["parties.read", "admin.administer"])))
        .then_rejected("token.beyond_roles");
}

/// Protects integrations: a token within the roles is issued with its
/// permissions in a stable order.
#[test]
fn a_token_within_the_roles_is_issued() {
    given::<User>([registered(&[Role::SalesManager])])
        .when(issue(issue_token(1, &["parties.read", "orders.create"])))
        .then(vec![token_issued(1, &["parties.read", "orders.create"])]);
}

/// Protects retries: issuing the same token again is no change, while
/// another secret under a taken id is refused.
#[test]
fn issuing_a_token_again_is_idempotent_and_its_id_is_unique() {
    let history = [
        registered(&[Role::SalesManager]),
        token_issued(1, &["parties.read"]),
    ];
    given::<User>(history.clone())
        .when(issue(issue_token(1, &["parties.read"])))
        .then_nothing();
    let mut other = issue_token(1, &["parties.read"]);
    if let UserCommand::IssueToken { secret, .. } = &mut other {
        *secret = SecretDigest([9; 32]);
    }
    given::<User>(history)
        .when(issue(other))
        .then_error(DomainError::already_exists(TOKEN, Uuid::from_u128(1)));
}

/// Protects tokens from a typo that would make them eternal or dead.
#[test]
fn a_token_needs_permissions_and_a_future_expiry() {
    given::<User>([registered(&[Role::Auditor])])
        .when(issue(issue_token(1, &[])))
        .then_invalid("permissions");
    let mut expired = issue_token(1, &["parties.read"]);
    if let UserCommand::IssueToken { expires_at, .. } = &mut expired {
        *expires_at = Some(at(-1));
    }
    given::<User>([registered(&[Role::Auditor])])
        .when(issue(expired))
        .then_invalid("expires_at");
}

/// Protects offboarding: a disabled user gets no new tokens.
#[test]
fn a_disabled_user_gets_no_tokens() {
    given::<User>([
        registered(&[Role::Auditor]),
        UserEvent::Disabled(UserDisabled {}),
    ])
    .when(issue(issue_token(1, &["parties.read"])))
    .then_rejected("user.disabled");
}

/// Protects revocation: an unknown token is not found, and revoking twice
/// records it once.
#[test]
fn revoking_a_token_names_it_and_is_idempotent() {
    given::<User>([registered(&[Role::Auditor])])
        .when(issue(revoke_token(7)))
        .then_not_found();
    let history = [
        registered(&[Role::Auditor]),
        token_issued(1, &["parties.read"]),
    ];
    given::<User>(history.clone())
        .when(issue(revoke_token(1)))
        .then(vec![UserEvent::TokenRevoked(ApiTokenRevoked {
            token_id: Uuid::from_u128(1),
        })]);
    let mut revoked = history.to_vec();
    revoked.push(UserEvent::TokenRevoked(ApiTokenRevoked {
        token_id: Uuid::from_u128(1),
    }));
    given::<User>(revoked)
        .when(issue(revoke_token(1)))
        .then_nothing();
}

fn token_issued_until(token: u128, permissions: &[&str], minutes: i64) -> UserEvent {
    let UserEvent::TokenIssued(mut issued) = token_issued(token, permissions) else {
        unreachable!("token_issued makes a TokenIssued");
    };
    issued.expires_at = Some(at(minutes));
    UserEvent::TokenIssued(issued)
}

fn revoked(token: u128) -> UserEvent {
    UserEvent::TokenRevoked(ApiTokenRevoked {
        token_id: Uuid::from_u128(token),
    })
}

/// Protects against a narrowed token minting a stronger one (finding 1 of
/// the trust review): a token issued through a token holds no permission
/// its parent lacks.
#[test]
fn a_token_issues_no_token_wider_than_itself() {
    let history = [
        registered(&[Role::SalesManager]),
        token_issued(1, &["parties.read"]),
    ];
    let mut wider = issue_token(2, &["parties.read", "parties.edit"]);
    if let UserCommand::IssueToken { through, .. } = &mut wider {
        *through = Some(Uuid::from_u128(1));
    }
    given::<User>(history.clone())
        .when(issue(wider))
        .then_rejected("token.beyond_roles");
    let mut narrow = issue_token(2, &["parties.read"]);
    if let UserCommand::IssueToken { through, .. } = &mut narrow {
        *through = Some(Uuid::from_u128(1));
    }
    given::<User>(history)
        .when(issue(narrow))
        .then(vec![token_issued(2, &["parties.read"])]);
}

/// Protects expiries (finding 8): a token issued through a token expiring
/// in an hour expires with it when no expiry is given, and may not ask
/// for a later one; a revoked parent issues nothing.
#[test]
fn a_token_issued_through_a_token_expires_no_later_than_it() {
    let history = [
        registered(&[Role::Auditor]),
        token_issued_until(1, &["parties.read"], 60),
    ];
    let through = |expires_at: Option<DateTime<Utc>>| {
        let mut command = issue_token(2, &["parties.read"]);
        if let UserCommand::IssueToken {
            through,
            expires_at: expiry,
            ..
        } = &mut command
        {
            *through = Some(Uuid::from_u128(1));
            *expiry = expires_at;
        }
        issue(command)
    };
    given::<User>(history.clone())
        .when(through(None))
        .then(vec![token_issued_until(2, &["parties.read"], 60)]);
    given::<User>(history.clone())
        .when(through(Some(at(30))))
        .then(vec![token_issued_until(2, &["parties.read"], 30)]);
    given::<User>(history.clone())
        .when(through(Some(at(61))))
        .then_rejected("token.outlives_parent");
    let mut gone = history.to_vec();
    gone.push(revoked(1));
    given::<User>(gone)
        .when(through(None))
        .then_rejected("token.not_live");
}

/// Protects a user's stronger tokens from a narrow one (finding 1): a
/// token revokes itself or a token holding nothing it lacks; a session
/// (no token) revokes any.
#[test]
fn a_token_revokes_only_tokens_no_stronger_than_itself() {
    let history = [
        registered(&[Role::SalesManager]),
        token_issued(1, &["parties.read"]),
        token_issued(2, &["parties.read", "parties.edit"]),
        token_issued(3, &["parties.read"]),
    ];
    let by = |target: u128, parent: Option<u128>| {
        issue(UserCommand::RevokeToken {
            token_id: Uuid::from_u128(target),
            through: parent.map(Uuid::from_u128),
        })
    };
    given::<User>(history.clone())
        .when(by(2, Some(1)))
        .then_rejected("token.beyond_token");
    given::<User>(history.clone())
        .when(by(3, Some(1)))
        .then(vec![revoked(3)]);
    given::<User>(history.clone())
        .when(by(1, Some(1)))
        .then(vec![revoked(1)]);
    given::<User>(history.clone())
        .when(by(1, Some(2)))
        .then(vec![revoked(1)]);
    given::<User>(history)
        .when(by(2, None))
        .then(vec![revoked(2)]);
}

/// Protects against tokens outliving what should end them (finding 8): a
/// password change and a disabling revoke every live token (not those
/// already revoked or expired), and enabling revives none.
#[test]
fn a_password_change_and_a_disabling_revoke_the_users_tokens() {
    let history = [
        registered(&[Role::Auditor]),
        token_issued(1, &["parties.read"]),
        token_issued(2, &["parties.read"]),
        revoked(2),
        token_issued_until(3, &["parties.read"], -5),
        token_issued_until(4, &["parties.read"], 5),
    ];
    given::<User>(history.clone())
        .when(issue(UserCommand::ChangePassword(
            PasswordHash::parse("password", HASH).unwrap(),
        )))
        .then(vec![
            UserEvent::PasswordChanged(UserPasswordChanged {
                password_hash: HASH.to_owned(),
            }),
            revoked(1),
            revoked(4),
        ]);
    given::<User>(history.clone())
        .when(issue(UserCommand::Disable))
        .then(vec![
            UserEvent::Disabled(UserDisabled {}),
            revoked(1),
            revoked(4),
        ]);
    // A log written before disabling revoked tokens: enabling revokes
    // what the disabling left standing.
    let mut disabled_before = history.to_vec();
    disabled_before.push(UserEvent::Disabled(UserDisabled {}));
    given::<User>(disabled_before)
        .when(issue(UserCommand::Enable))
        .then(vec![
            UserEvent::Enabled(UserEnabled {}),
            revoked(1),
            revoked(4),
        ]);
}

/// Protects "log out everywhere": a password change, a revocation and a
/// disabling each end the sessions made before.
#[test]
fn sessions_end_with_a_password_change_a_revocation_or_a_disabling() {
    let user = User::replay(&[
        registered(&[Role::Auditor]),
        UserEvent::PasswordChanged(UserPasswordChanged {
            password_hash: HASH.to_owned(),
        }),
        UserEvent::SessionsRevoked(UserSessionsRevoked {}),
        UserEvent::Disabled(UserDisabled {}),
    ])
    .unwrap();
    assert_eq!(user.session_generation, 3);
    assert!(
        !user
            .grants()
            .allows(Permission::new(Module::Parties, Action::Read))
    );
}

/// Protects the login's shape and the id it gives.
#[test]
fn logins_are_parsed_and_name_one_user_each() {
    assert_eq!(login(" Anna.K ").as_str(), "anna.k");
    assert_eq!(login("ANNA").user_id(), login("anna").user_id());
    assert_ne!(login("anna").user_id(), login("boris").user_id());
    for bad in ["a", "anna k", "anna/../x", "<script>", &"x".repeat(65)] {
        assert_eq!(
            Login::parse("login", bad).unwrap_err().field(),
            Some("login"),
            "{bad:?}"
        );
    }
}

/// Protects against storing a password in the clear by mistake.
#[test]
fn only_an_argon2id_hash_is_a_password_hash() {
    assert!(PasswordHash::parse("password", "hunter2hunter2").is_err());
    assert!(PasswordHash::parse("password", "$argon2i$v=19$m=1,t=1,p=1$x$y").is_err());
    assert!(PasswordHash::parse("password", HASH).is_ok());
    assert_eq!(
        format!("{:?}", PasswordHash::parse("password", HASH).unwrap()),
        "PasswordHash(..)"
    );
}

/// Protects the permission names used by tokens and documents.
#[test]
fn permissions_parse_from_their_names_and_back() {
    for permission in Permission::all() {
        assert_eq!(
            Permission::parse("p", &permission.to_string()),
            Ok(permission)
        );
    }
    for bad in ["orders", "orders.", ".read", "orders.fly", "ORDERS.READ"] {
        assert!(Permission::parse("p", bad).is_err(), "{bad}");
    }
}

/// The matrix of the built-in roles, written out: each row is a role and
/// a module, with the reach of read, create, edit, delete, export and
/// administer (`-` none, `o` own records, `b` own branch, `a` all).
/// Protects the roles against an accidental widening or narrowing.
#[test]
fn the_built_in_roles_grant_exactly_the_documented_matrix() {
    let rows: &[(Role, &str)] = &[
        (
            Role::Administrator,
            "parties aaaaaa interactions aaaaaa sales aaaaaa planning aaaaaa catalog aaaaaa inventory aaaaaa orders aaaaaa finance aaaaaa reports aaaaaa audit aaaaaa admin aaaaaa purchasing aaaaaa production aaaaaa",
        ),
        (
            Role::Director,
            "parties aaaaa- interactions aaaaa- sales aaaaa- planning aaaaa- catalog aaaaa- inventory aaaaa- orders aaaaa- finance aaaaa- reports aaaaa- audit a----- admin ------ purchasing aaaaa- production aaaaa-",
        ),
        (
            Role::SalesManager,
            "parties oooo-- interactions oooo-- sales oooo-- planning oooo-- catalog a----- inventory a----- orders oooo-- finance ------ reports ------ audit ------ admin ------ purchasing a----- production a-----",
        ),
        (
            Role::Storekeeper,
            "parties a----- interactions ------ sales ------ planning oooo-- catalog aaa--- inventory bbbb-- orders a-a--- finance ------ reports ------ audit ------ admin ------ purchasing a-a--- production a-----",
        ),
        (
            Role::Accountant,
            "parties a----- interactions ------ sales ------ planning oooo-- catalog a----- inventory a----- orders a-a--- finance aaaaa- reports a---a- audit ------ admin ------ purchasing a----- production a-----",
        ),
        (
            Role::Auditor,
            "parties a---a- interactions a---a- sales a---a- planning a---a- catalog a---a- inventory a---a- orders a---a- finance a---a- reports a---a- audit a---a- admin a---a- purchasing a---a- production a---a-",
        ),
        (
            Role::Purchaser,
            "parties aaa--- interactions ------ sales ------ planning oooo-- catalog a----- inventory a----- orders a----- finance ------ reports a---a- audit ------ admin ------ purchasing aaaaa- production a-----",
        ),
        (
            Role::ProductionManager,
            "parties a----- interactions ------ sales ------ planning oooo-- catalog aaa--- inventory a----- orders a----- finance ------ reports a---a- audit ------ admin ------ purchasing a----- production aaaaa-",
        ),
        (
            Role::Driver,
            "parties a----- interactions ------ sales ------ planning oooo-- catalog a----- inventory o-o--- orders ------ finance ------ reports ------ audit ------ admin ------ purchasing ------ production ------",
        ),
    ];
    assert_eq!(rows.len(), Role::ALL.len());
    for (role, row) in rows {
        let mut words = row.split_whitespace();
        for module in Module::ALL {
            assert_eq!(words.next(), Some(module.key()), "{role}");
            let reaches = words.next().unwrap();
            for (action, code) in Action::ALL.iter().zip(reaches.chars()) {
                let expected = match code {
                    '-' => None,
                    'o' => Some(Reach::Own),
                    'b' => Some(Reach::Branch),
                    'a' => Some(Reach::All),
                    other => panic!("unknown reach code {other}"),
                };
                let permission = Permission::new(*module, *action);
                assert_eq!(role.reach(permission), expected, "{role} {permission}");
            }
        }
        assert_eq!(words.next(), None);
    }
}

/// Protects users with several roles: the widest reach wins, and a
/// token narrows but never widens.
#[test]
fn several_roles_take_the_widest_reach_and_tokens_narrow_it() {
    let parties_read = Permission::new(Module::Parties, Action::Read);
    let orders_edit = Permission::new(Module::Orders, Action::Edit);
    let grants = Grants::of_roles(&[Role::SalesManager, Role::Storekeeper]);
    assert_eq!(grants.reach(parties_read), Some(Reach::All));
    assert_eq!(grants.reach(orders_edit), Some(Reach::All));
    assert_eq!(
        Grants::of_roles(&[Role::SalesManager]).reach(orders_edit),
        Some(Reach::Own)
    );
    let narrowed = grants.limited_to(&[parties_read]);
    assert!(narrowed.allows(parties_read));
    assert!(!narrowed.allows(orders_edit));
}
