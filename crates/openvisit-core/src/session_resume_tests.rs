//! The live-visit clock across a restart of the server: `Session::snapshot` and
//! `Session::resume` keep the announced end, what was measured and the warnings given,
//! and count the outage as the platform's fault (R4, R13).

use crate::session::{Outcome, Party, Phase, Presence, Session};
use crate::session_tests::{at, both_ready, ended, measure, visit};

use Party::{Resident, Visitor};

/// A server restarted 20 s into a visit (its snapshot saved at 13:00:20, back at
/// 13:00:28): the announced end stays, and the seconds until both are ready again are
/// lost to the platform.
#[test]
fn a_resumed_visit_keeps_its_end_and_counts_the_outage_as_fault() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:00.400"));
    measure(&mut s, at("13:00:00.400"), 20, true, true);
    let end = s.enforced_end();
    let saved = s.snapshot();
    let mut r = Session::resume(at("13:00:00"), at("13:15:00"), saved, at("13:00:20.400"));
    assert_eq!(r.enforced_end(), end, "the announced end does not move");
    assert_eq!(r.status(at("13:00:28")).phase, Phase::Live);
    assert_eq!(
        r.presence(Visitor),
        Presence::Away,
        "everyone must join again"
    );
    assert!(r.in_outage());
    // Both back at 13:00:29.9: nine seconds lost (20 … 28), a lost minute.
    r.ready(Visitor, at("13:00:29")).expect("visitor back");
    assert!(r.in_outage(), "one party back does not end the outage");
    assert_eq!(
        r.ready(Resident, at("13:00:29.900"))
            .expect("resident back"),
        vec![],
        "a resumed visit does not start again"
    );
    assert!(!r.in_outage());
    assert_eq!(r.lost_minutes(), 1);
    // The seconds of the outage are not counted again when media is measured.
    measure(&mut r, at("13:00:21"), 60, true, true);
    assert_eq!(r.connected_seconds(), 20 + 52, "13:00:29 … 13:01:20");
    assert_eq!(r.lost_minutes(), 1);
}

#[test]
fn a_short_outage_is_no_lost_minute_and_a_party_away_at_the_crash_is_no_fault() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    measure(&mut s, at("13:00:00"), 30, true, true);
    let mut r = Session::resume(at("13:00:00"), at("13:15:00"), s.snapshot(), at("13:00:30"));
    both_ready(&mut r, at("13:00:33"));
    assert_eq!(r.lost_minutes(), 0, "three seconds are not a lost minute");

    // The visitor had left before the crash: silence after it is not the platform's.
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    s.leave(Visitor, at("13:00:10"));
    let mut r = Session::resume(at("13:00:00"), at("13:15:00"), s.snapshot(), at("13:00:30"));
    assert!(!r.in_outage());
    both_ready(&mut r, at("13:03:00"));
    assert_eq!(r.lost_minutes(), 0);
}

/// Nobody comes back after a restart: the visit still ends at its announced end, as
/// completed with what was connected, and every minute after the crash is lost to the
/// platform (credited), never a no-show.
#[test]
fn a_resumed_visit_nobody_rejoins_ends_on_time_with_the_rest_lost() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    measure(&mut s, at("13:00:00"), 20, true, true);
    let mut r = Session::resume(at("13:00:00"), at("13:15:00"), s.snapshot(), at("13:00:20"));
    // The server was down past the end: the first tick ends it.
    let events = r.tick(at("13:40:00"));
    assert_eq!(
        events.last(),
        Some(&ended(at("13:15:00"), Outcome::Completed))
    );
    assert_eq!(r.connected_seconds(), 20);
    assert_eq!(r.lost_minutes(), 15, "minute 0 has 40 fault seconds");
    assert!(!r.in_outage());
}

#[test]
fn a_waiting_room_resumes_with_who_came_and_nothing_started() {
    let mut s = visit();
    s.join(Visitor, at("12:55:00")).expect("join");
    let mut r = Session::resume(at("13:00:00"), at("13:15:00"), s.snapshot(), at("12:56:00"));
    assert!(!r.in_outage());
    assert_eq!(r.status(at("12:57:00")).phase, Phase::Waiting);
    assert_eq!(
        r.tick(at("13:15:00")),
        vec![ended(
            at("13:15:00"),
            Outcome::Missed {
                visitor_came: true,
                resident_came: false
            }
        )]
    );
}

#[test]
fn staff_ending_a_resumed_visit_counts_the_outage_up_to_the_end() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    measure(&mut s, at("13:00:00"), 60, true, true);
    let mut r = Session::resume(at("13:00:00"), at("13:15:00"), s.snapshot(), at("13:01:00"));
    r.end_by_staff("count", at("13:02:30"));
    assert_eq!(r.lost_minutes(), 2, "minute 1 whole and 30 s of minute 2");
    assert_eq!(r.connected_seconds(), 60);
}
