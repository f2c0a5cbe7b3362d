//! The live-visit clock: the R4 and R5 examples as exact instants, warnings, missed and
//! failed visits, fault measurement, and properties over random sequences of actions.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use crate::session::{
    JoinError, Outcome, Party, Phase, Presence, Session, SessionEvent, WARNING_MINUTES,
};

use Party::{Resident, Visitor};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

/// 13:00 on a test day (UTC).
pub(crate) fn at(hm: &str) -> Timestamp {
    ts(&format!("2026-03-02T{hm}Z"))
}

/// The visit of the R4 example: 1:00–1:15 pm.
pub(crate) fn visit() -> Session {
    Session::new(at("13:00:00"), at("13:15:00"))
}

/// Both parties join and say ready at `when`; returns the events of the second ready.
pub(crate) fn both_ready(s: &mut Session, when: Timestamp) -> Vec<SessionEvent> {
    s.ready(Visitor, when).expect("visitor ready");
    s.ready(Resident, when).expect("resident ready")
}

fn started(at_: Timestamp, ends_at: Timestamp) -> SessionEvent {
    SessionEvent::Started { at: at_, ends_at }
}

fn warning(minutes_left: i64) -> SessionEvent {
    SessionEvent::Warning { minutes_left }
}

pub(crate) fn ended(at_: Timestamp, outcome: Outcome) -> SessionEvent {
    SessionEvent::Ended { at: at_, outcome }
}

#[test]
fn the_room_opens_ten_minutes_early() {
    let s = visit();
    assert_eq!(s.opens_at(), at("12:50:00"));
}

#[test]
fn one_party_ready_alone_does_not_start_the_visit() {
    let mut s = visit();
    s.join(Resident, at("12:54:00")).expect("join");
    assert_eq!(s.ready(Visitor, at("12:55:00")), Ok(vec![]));
    assert!(!s.media_allowed());
    // Not even the scheduled start starts media without both ready.
    assert_eq!(s.tick(at("13:00:00")), vec![]);
    assert_eq!(s.actual_start(), None);
    assert!(!s.media_allowed());
    assert_eq!(
        s.ready(Resident, at("13:02:00")),
        Ok(vec![started(at("13:02:00"), at("13:15:00"))])
    );
    assert!(s.media_allowed());
}

#[test]
fn r4_a_late_start_still_ends_at_the_scheduled_end() {
    let mut s = visit();
    assert_eq!(
        both_ready(&mut s, at("13:05:00")),
        vec![started(at("13:05:00"), at("13:15:00"))]
    );
    assert_eq!(s.enforced_end(), Some(at("13:15:00")));
    assert!(!s.tick(at("13:14:59")).iter().any(is_ended));
    assert!(s.media_allowed());
    assert_eq!(
        s.tick(at("13:15:00")),
        vec![ended(at("13:15:00"), Outcome::Completed)]
    );
    assert!(!s.media_allowed());
    assert_eq!(s.ended_at(), Some(at("13:15:00")));
}

#[test]
fn r5_an_early_start_ends_early() {
    let mut s = visit();
    assert_eq!(
        both_ready(&mut s, at("12:52:00")),
        vec![started(at("12:52:00"), at("13:07:00"))]
    );
    assert_eq!(s.enforced_end(), Some(at("13:07:00")));
    s.tick(at("13:06:59"));
    assert!(s.media_allowed());
    assert_eq!(
        s.tick(at("13:07:00")),
        vec![ended(at("13:07:00"), Outcome::Completed)]
    );
    assert!(!s.media_allowed());
}

#[test]
fn a_rejoin_neither_restarts_nor_moves_the_end() {
    let mut s = visit();
    both_ready(&mut s, at("12:58:00"));
    assert_eq!(s.enforced_end(), Some(at("13:13:00")));
    s.leave(Visitor, at("13:03:00"));
    assert_eq!(s.presence(Visitor), Presence::Away);
    s.join(Visitor, at("13:04:00")).expect("rejoin");
    assert_eq!(s.ready(Visitor, at("13:06:00")), Ok(vec![]));
    // A ready party that joins again must say ready again.
    s.join(Resident, at("13:07:00")).expect("rejoin");
    assert_eq!(s.presence(Resident), Presence::Present);
    assert_eq!(s.ready(Resident, at("13:08:00")), Ok(vec![]));
    assert_eq!(s.actual_start(), Some(at("12:58:00")));
    assert_eq!(s.enforced_end(), Some(at("13:13:00")));
    assert_eq!(
        s.tick(at("13:13:00")).last(),
        Some(&ended(at("13:13:00"), Outcome::Completed))
    );
}

#[test]
fn warnings_come_exactly_five_and_one_minutes_before_the_end() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    assert_eq!(s.next_deadline(), Some(at("13:10:00")));
    assert_eq!(s.tick(at("13:09:59")), vec![]);
    assert_eq!(s.tick(at("13:10:00")), vec![warning(5)]);
    assert_eq!(s.tick(at("13:10:30")), vec![]);
    assert_eq!(s.next_deadline(), Some(at("13:14:00")));
    assert_eq!(s.tick(at("13:13:59")), vec![]);
    assert_eq!(s.tick(at("13:14:00")), vec![warning(1)]);
    assert_eq!(s.next_deadline(), Some(at("13:15:00")));
    assert_eq!(
        s.tick(at("13:15:00")),
        vec![ended(at("13:15:00"), Outcome::Completed)]
    );
    assert_eq!(s.next_deadline(), None);
    assert_eq!(s.tick(at("13:20:00")), vec![]);
}

#[test]
fn a_short_remaining_time_gets_only_the_one_minute_warning() {
    let mut s = visit();
    both_ready(&mut s, at("13:12:00"));
    assert_eq!(s.next_deadline(), Some(at("13:14:00")));
    assert_eq!(s.tick(at("13:14:00")), vec![warning(1)]);
    // Starting exactly five minutes before the end is not "after" that warning either.
    let mut s = visit();
    both_ready(&mut s, at("13:10:00"));
    assert_eq!(s.tick(at("13:14:30")), vec![warning(1)]);
}

#[test]
fn warnings_due_together_come_in_order_before_the_end() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    assert_eq!(s.tick(at("13:14:30")), vec![warning(5), warning(1)]);
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    assert_eq!(
        s.tick(at("13:30:00")),
        vec![
            warning(5),
            warning(1),
            ended(at("13:15:00"), Outcome::Completed)
        ]
    );
}

#[test]
fn joining_outside_the_window_is_refused() {
    let mut s = visit();
    assert_eq!(
        s.join(Visitor, at("12:49:59")),
        Err(JoinError::NotOpenYet {
            opens_at: at("12:50:00")
        })
    );
    assert_eq!(
        s.ready(Visitor, at("12:49:59")),
        Err(JoinError::NotOpenYet {
            opens_at: at("12:50:00")
        })
    );
    assert_eq!(s.presence(Visitor), Presence::Away);
    assert_eq!(s.join(Visitor, at("12:50:00")), Ok(()));
    assert_eq!(s.join(Resident, at("13:15:00")), Err(JoinError::Over));
    assert_eq!(s.ready(Resident, at("13:15:00")), Err(JoinError::Over));

    // Early start: the enforced end (13:07) is before the scheduled one.
    let mut s = visit();
    both_ready(&mut s, at("12:52:00"));
    s.leave(Visitor, at("13:00:00"));
    // Not ticked yet, but the clock says it is over.
    assert_eq!(s.join(Visitor, at("13:07:00")), Err(JoinError::Over));
    s.tick(at("13:07:00"));
    assert_eq!(s.join(Visitor, at("13:08:00")), Err(JoinError::Over));
    assert_eq!(s.ready(Visitor, at("13:08:00")), Err(JoinError::Over));

    let mut s = visit();
    s.end_by_staff("lockdown", at("12:55:00"));
    assert_eq!(s.join(Visitor, at("12:56:00")), Err(JoinError::Over));
    // Over wins over "not open yet" once the visit is ended.
    assert_eq!(s.join(Visitor, at("12:00:00")), Err(JoinError::Over));
}

#[test]
fn a_visit_never_started_is_missed_and_says_who_came() {
    let mut s = visit();
    s.join(Visitor, at("12:59:00")).expect("join");
    s.leave(Visitor, at("13:01:00"));
    assert_eq!(s.tick(at("13:14:59")), vec![]);
    assert_eq!(
        s.tick(at("13:20:00")),
        vec![ended(
            at("13:15:00"),
            Outcome::Missed {
                visitor_came: true,
                resident_came: false
            }
        )]
    );
    assert_eq!(s.tick(at("13:21:00")), vec![]);

    let mut s = visit();
    s.ready(Resident, at("13:01:00")).expect("ready");
    s.join(Visitor, at("13:02:00")).expect("join");
    assert_eq!(
        s.tick(at("13:15:00")),
        vec![ended(
            at("13:15:00"),
            Outcome::Missed {
                visitor_came: true,
                resident_came: true
            }
        )]
    );

    let mut s = visit();
    assert_eq!(
        s.tick(at("13:15:00")),
        vec![ended(
            at("13:15:00"),
            Outcome::Missed {
                visitor_came: false,
                resident_came: false
            }
        )]
    );
}

#[test]
fn staff_can_end_a_visit_once() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    let reason = Outcome::EndedByStaff {
        reason: "contraband shown".to_owned(),
    };
    assert_eq!(
        s.end_by_staff("contraband shown", at("13:04:00")),
        vec![ended(at("13:04:00"), reason.clone())]
    );
    assert!(!s.media_allowed());
    assert_eq!(s.outcome(), Some(&reason));
    assert_eq!(s.end_by_staff("again", at("13:05:00")), vec![]);
    assert_eq!(s.tick(at("13:20:00")), vec![]);
    assert_eq!(s.status(at("13:05:00")).phase, Phase::Ended);

    // Staff ending a visit that already ran out ends it as it would have ended.
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    s.tick(at("13:14:00"));
    assert_eq!(
        s.end_by_staff("late", at("13:16:00")),
        vec![ended(at("13:15:00"), Outcome::Completed)]
    );

    // Before it starts too.
    let mut s = visit();
    assert_eq!(
        s.end_by_staff("lockdown", at("12:30:00")),
        vec![ended(
            at("12:30:00"),
            Outcome::EndedByStaff {
                reason: "lockdown".to_owned()
            }
        )]
    );
}

/// Records `n` seconds from `from`, one a second.
pub(crate) fn measure(s: &mut Session, from: Timestamp, n: i64, visitor: bool, resident: bool) {
    for i in 0..n {
        let t = from
            .checked_add(SignedDuration::from_secs(i))
            .expect("in range");
        s.record_second(t, visitor, resident);
    }
}

#[test]
fn fault_seconds_make_lost_minutes() {
    let mut s = visit();
    // Before the start nothing counts.
    measure(&mut s, at("12:59:00"), 60, false, false);
    both_ready(&mut s, at("13:00:00"));
    // Minute 0: 4 fault seconds, not lost.
    measure(&mut s, at("13:00:00"), 4, true, false);
    measure(&mut s, at("13:00:04"), 56, true, true);
    // Minute 1: exactly 5 fault seconds, lost.
    measure(&mut s, at("13:01:00"), 5, false, true);
    measure(&mut s, at("13:01:05"), 55, true, true);
    // Minute 2: all fault, lost; a repeated report of a second is not counted twice.
    measure(&mut s, at("13:02:00"), 60, false, false);
    measure(&mut s, at("13:02:00"), 60, false, false);
    // Minute 3: the visitor left; silence is not a fault.
    s.leave(Visitor, at("13:03:00"));
    measure(&mut s, at("13:03:00"), 60, false, false);
    // Minute 4: back but not yet ready; still not a fault.
    s.join(Visitor, at("13:04:00")).expect("rejoin");
    measure(&mut s, at("13:04:00"), 60, false, true);
    s.ready(Visitor, at("13:05:00")).expect("ready");
    measure(&mut s, at("13:05:00"), 600, true, true);
    assert_eq!(s.lost_minutes(), 2);
    assert_eq!(s.connected_seconds(), 56 + 55 + 600);
    // After the enforced end (even before the tick) nothing counts.
    measure(&mut s, at("13:15:00"), 60, false, false);
    assert_eq!(s.lost_minutes(), 2);
    assert_eq!(
        s.tick(at("13:15:00")).last(),
        Some(&ended(at("13:15:00"), Outcome::Completed))
    );
    measure(&mut s, at("13:16:00"), 60, true, true);
    assert_eq!(s.connected_seconds(), 56 + 55 + 600);
}

#[test]
fn lost_minutes_count_from_the_actual_start() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:30"));
    // 13:00:57..13:01:02 straddles a clock minute but sits in the first visit minute.
    measure(&mut s, at("13:00:57"), 5, false, false);
    assert_eq!(s.lost_minutes(), 1);
    // 13:01:27..13:01:32 straddles visit minutes 0 and 1: three and two, neither lost.
    let mut s = visit();
    both_ready(&mut s, at("13:00:30"));
    measure(&mut s, at("13:01:27"), 5, false, false);
    assert_eq!(s.lost_minutes(), 0);
}

#[test]
fn a_visit_with_no_media_for_both_and_some_fault_failed() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    measure(&mut s, at("13:00:00"), 900, true, false);
    assert_eq!(s.connected_seconds(), 0);
    assert_eq!(s.lost_minutes(), 15);
    assert_eq!(
        s.tick(at("13:15:00")),
        vec![
            warning(5),
            warning(1),
            ended(at("13:15:00"), Outcome::Failed)
        ]
    );

    // One good second is not a failed visit.
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    measure(&mut s, at("13:00:00"), 10, false, false);
    measure(&mut s, at("13:00:10"), 1, true, true);
    assert_eq!(
        s.tick(at("13:15:00")).last(),
        Some(&ended(at("13:15:00"), Outcome::Completed))
    );

    // No measurement at all is not a fault.
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    assert_eq!(
        s.tick(at("13:15:00")).last(),
        Some(&ended(at("13:15:00"), Outcome::Completed))
    );
}

#[test]
fn next_deadline_walks_the_visit() {
    let mut s = visit();
    assert_eq!(s.next_deadline(), Some(at("12:50:00")));
    assert_eq!(s.tick(at("12:50:00")), vec![]);
    assert_eq!(s.next_deadline(), Some(at("13:15:00")));
    both_ready(&mut s, at("12:56:00"));
    assert_eq!(s.next_deadline(), Some(at("13:06:00")));
    s.tick(at("13:06:00"));
    assert_eq!(s.next_deadline(), Some(at("13:10:00")));
    s.tick(at("13:10:00"));
    assert_eq!(s.next_deadline(), Some(at("13:11:00")));
    s.tick(at("13:11:00"));
    assert_eq!(s.next_deadline(), None);
}

#[test]
fn status_shows_the_time_left() {
    let mut s = visit();
    let waiting = s.status(at("12:40:00"));
    assert_eq!(waiting.phase, Phase::Waiting);
    assert_eq!(waiting.opens_at, at("12:50:00"));
    assert_eq!((waiting.ends_at, waiting.seconds_left), (None, None));
    s.join(Visitor, at("12:55:00")).expect("join");
    both_ready(&mut s, at("13:01:00"));
    let live = s.status(at("13:10:30"));
    assert_eq!(live.phase, Phase::Live);
    assert_eq!(live.visitor, Presence::Ready);
    assert_eq!(live.actual_start, Some(at("13:01:00")));
    assert_eq!(live.ends_at, Some(at("13:15:00")));
    assert_eq!(live.seconds_left, Some(270));
    // Late ticking never shows negative time.
    assert_eq!(s.status(at("13:20:00")).seconds_left, Some(0));
    s.tick(at("13:20:00"));
    let over = s.status(at("13:20:00"));
    assert_eq!(over.phase, Phase::Ended);
    assert_eq!(over.seconds_left, None);
    assert_eq!(over.outcome, Some(Outcome::Completed));
}

#[test]
fn a_clock_going_backwards_does_nothing() {
    let mut s = visit();
    both_ready(&mut s, at("13:00:00"));
    assert_eq!(s.tick(at("13:12:00")), vec![warning(5)]);
    assert_eq!(s.tick(at("12:00:00")), vec![]);
    assert_eq!(s.tick(at("13:11:00")), vec![]);
    assert!(s.media_allowed());
    // A staff end timed before the start still ends at or after the start.
    assert_eq!(
        s.end_by_staff("x", at("12:30:00")),
        vec![ended(
            at("13:00:00"),
            Outcome::EndedByStaff {
                reason: "x".to_owned()
            }
        )]
    );
}

#[test]
fn a_zero_length_or_backwards_schedule_never_runs() {
    let mut s = Session::new(at("13:00:00"), at("12:00:00"));
    let events = both_ready(&mut s, at("12:55:00"));
    assert_eq!(
        events,
        vec![
            started(at("12:55:00"), at("12:55:00")),
            ended(at("12:55:00"), Outcome::Completed)
        ]
    );
    assert!(!s.media_allowed());
}

fn is_ended(e: &SessionEvent) -> bool {
    matches!(e, SessionEvent::Ended { .. })
}

#[derive(Debug, Clone)]
enum Op {
    Join(Party),
    Ready(Party),
    Leave(Party),
    Tick,
    /// A tick this many seconds before the current time.
    TickBack(u16),
    Staff,
    /// This many seconds measured from the current time.
    Measure(u8, bool, bool),
}

fn party() -> impl Strategy<Value = Party> {
    prop_oneof![Just(Visitor), Just(Resident)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => party().prop_map(Op::Join),
        6 => party().prop_map(Op::Ready),
        2 => party().prop_map(Op::Leave),
        6 => Just(Op::Tick),
        1 => (0u16..1200).prop_map(Op::TickBack),
        1 => Just(Op::Staff),
        3 => (0u8..120, any::<bool>(), any::<bool>()).prop_map(|(n, v, r)| Op::Measure(n, v, r)),
    ]
}

#[derive(Debug, Clone)]
struct Script {
    length_minutes: i64,
    /// Start offsets within the scheduled start's minute grid, to avoid round instants.
    start_second: i64,
    /// Each action with where it happens, as thousandths of the span from 15 minutes
    /// before the start to 5 minutes after the end; sorted, so time moves forward
    /// except for `TickBack`.
    steps: Vec<(u16, Op)>,
}

fn script() -> impl Strategy<Value = Script> {
    (
        5i64..=120,
        0i64..60,
        prop::collection::vec((0u16..1000, op()), 0..60),
    )
        .prop_map(|(length_minutes, start_second, mut steps)| {
            steps.sort_by_key(|(at_, _)| *at_);
            Script {
                length_minutes,
                start_second,
                steps,
            }
        })
}

fn plus_secs(t: Timestamp, secs: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(secs))
        .expect("in range")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_clock_rules_hold_for_any_sequence(sc in script()) {
        let start = plus_secs(at("13:00:00"), sc.start_second);
        let length = SignedDuration::from_mins(sc.length_minutes);
        let end = start.checked_add(length).expect("in range");
        let mut s = Session::new(start, end);
        prop_assert_eq!(s.opens_at(), plus_secs(start, -600));
        let from = plus_secs(start, -15 * 60);
        let span = (sc.length_minutes + 20) * 60;

        // Every event with the `now` of the call that produced it.
        let mut log: Vec<(Timestamp, SessionEvent)> = Vec::new();
        for (frac, op) in &sc.steps {
            let now = plus_secs(from, span * i64::from(*frac) / 1000);
            let was_ended = s.ended_at().is_some();
            let events = match op {
                Op::Join(p) => {
                    let r = s.join(*p, now);
                    check_admission(&s, r.err(), now, was_ended)?;
                    vec![]
                }
                Op::Ready(p) => {
                    let r = s.ready(*p, now);
                    check_admission(&s, r.as_ref().err().copied(), now, was_ended)?;
                    let events = r.unwrap_or_default();
                    if events.iter().any(|e| matches!(e, SessionEvent::Started { .. })) {
                        prop_assert_eq!(s.presence(Visitor), Presence::Ready);
                        prop_assert_eq!(s.presence(Resident), Presence::Ready);
                    }
                    events
                }
                Op::Leave(p) => {
                    s.leave(*p, now);
                    vec![]
                }
                Op::Tick => s.tick(now),
                Op::TickBack(back) => s.tick(plus_secs(now, -i64::from(*back))),
                Op::Staff => s.end_by_staff("staff", now),
                Op::Measure(n, v, r) => {
                    for i in 0..i64::from(*n) {
                        s.record_second(plus_secs(now, i), *v, *r);
                    }
                    vec![]
                }
            };
            log.extend(events.into_iter().map(|e| (now, e)));
            if s.actual_start().is_none() || s.ended_at().is_some() {
                prop_assert!(!s.media_allowed());
            }
            if let Some(deadline) = s.next_deadline() {
                prop_assert!(deadline <= end);
            }
        }
        // Long after the end, every visit is over.
        let late = plus_secs(end, 3600);
        log.extend(s.tick(late).into_iter().map(|e| (late, e)));
        prop_assert!(!s.media_allowed());
        prop_assert_eq!(s.next_deadline(), None);
        prop_assert_eq!(s.join(Visitor, late), Err(JoinError::Over));
        prop_assert_eq!(s.tick(plus_secs(late, 1)), vec![]);
        prop_assert_eq!(s.end_by_staff("again", plus_secs(late, 2)), vec![]);

        // Exactly one Ended, and it is the last event.
        let ends: Vec<_> = log.iter().filter(|(_, e)| is_ended(e)).collect();
        prop_assert_eq!(ends.len(), 1);
        prop_assert!(log.last().is_some_and(|(_, e)| is_ended(e)));
        let Some((_, SessionEvent::Ended { at: ended_at, outcome })) = log.last() else {
            unreachable!("checked above");
        };
        prop_assert_eq!(Some(*ended_at), s.ended_at());
        prop_assert_eq!(Some(outcome), s.outcome());
        prop_assert!(*ended_at <= end);

        // At most one Started, first of the events, within the window and the limit.
        let starts: Vec<_> = log
            .iter()
            .filter_map(|(_, e)| match e {
                SessionEvent::Started { at: a, ends_at } => Some((*a, *ends_at)),
                _ => None,
            })
            .collect();
        prop_assert!(starts.len() <= 1);
        match starts.first() {
            Some(&(began, ends_at)) => {
                let first_is_start = matches!(log.first(), Some((_, SessionEvent::Started { .. })));
                prop_assert!(first_is_start);
                prop_assert_eq!(s.actual_start(), Some(began));
                prop_assert_eq!(s.enforced_end(), Some(ends_at));
                prop_assert!(began >= s.opens_at());
                prop_assert!(began < end);
                prop_assert!(ends_at <= end);
                prop_assert!(ends_at.duration_since(began) <= length);
                prop_assert!(*ended_at >= began);
                prop_assert!(*ended_at <= ends_at);
                prop_assert!(ended_at.duration_since(began) <= length);
                if matches!(outcome, Outcome::Completed | Outcome::Failed) {
                    prop_assert_eq!(*ended_at, ends_at);
                }
                // Warnings: each once, in order, only when due and after the start.
                let mut seen = Vec::new();
                for (now, e) in &log {
                    if let SessionEvent::Warning { minutes_left } = e {
                        prop_assert!(!seen.contains(minutes_left));
                        prop_assert!(WARNING_MINUTES.contains(minutes_left));
                        let due = ends_at
                            .checked_sub(SignedDuration::from_mins(*minutes_left))
                            .expect("in range");
                        prop_assert!(due > began);
                        prop_assert!(*now >= due);
                        seen.push(*minutes_left);
                    }
                }
                let mut sorted = seen.clone();
                sorted.sort_by(|a, b| b.cmp(a));
                prop_assert_eq!(seen, sorted);
                let measured = i64::from(s.connected_seconds())
                    + i64::from(s.lost_minutes()) * 5;
                prop_assert!(measured <= sc.length_minutes * 60);
                prop_assert!(i64::from(s.lost_minutes()) <= sc.length_minutes);
                if *outcome == Outcome::Failed {
                    prop_assert_eq!(s.connected_seconds(), 0);
                }
            }
            None => {
                prop_assert!(log.iter().all(|(_, e)| is_ended(e)));
                prop_assert_eq!(s.connected_seconds(), 0);
                prop_assert_eq!(s.lost_minutes(), 0);
                match outcome {
                    Outcome::Missed { .. } => prop_assert_eq!(*ended_at, end),
                    Outcome::EndedByStaff { .. } => {}
                    other => prop_assert!(false, "never started but {:?}", other),
                }
            }
        }
    }
}

/// A join or ready is refused exactly when the visit is over or outside its window.
fn check_admission(
    s: &Session,
    err: Option<JoinError>,
    now: Timestamp,
    was_ended: bool,
) -> Result<(), TestCaseError> {
    let over = was_ended || s.enforced_end().is_some_and(|e| now >= e);
    let expected = if was_ended {
        Some(JoinError::Over)
    } else if now < s.opens_at() {
        Some(JoinError::NotOpenYet {
            opens_at: s.opens_at(),
        })
    } else if over || s.status(now).scheduled_end <= now {
        Some(JoinError::Over)
    } else {
        None
    };
    prop_assert_eq!(err, expected, "at {}", now);
    Ok(())
}
