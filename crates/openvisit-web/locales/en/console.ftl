# The facility's console (staff pages).
console-name = OpenVisit console
console-nav-label = Console
console-nav-schedule = Schedule
console-nav-live = Live visits
console-nav-approvals = Approvals
console-nav-roster = Roster
console-nav-settings = Settings
console-nav-reports = Reports
console-nav-audit = Audit log
console-nav-support = Support inbox
console-working = Working…
console-saved = Saved.
console-err-generic = Not done: { $message }
console-err-above-cap = Not saved: { $per_minute } a minute is above this facility's rate cap of { $cap }. Lower the fee or lengthen the increment.
console-err-no-cap = Not saved: no rate cap applies to this facility. Make visits free, or ask the operator to set the facility's type.
console-err-bad-increment = Not saved: the billing increment must be 15 or 30 minutes.
console-err-negative-fee = Not saved: the fee cannot be negative.
console-err-signed-out = Your session has ended. Sign in again, then repeat this.
console-err-forbidden = Your role cannot do this. Ask a facility administrator.
console-err-not-found = This no longer exists. Reload the page.
console-err-bad-roster = The file was not read: { $message }. Fix that line and upload it again.
console-err-network = The server could not be reached. Check the connection and try again.
console-admin-only = Only a facility administrator can change this.
console-save = Save
console-add = Add
console-reason = Reason
console-reason-optional = Reason (the visitor sees it)
console-reason-needed = Give a reason; the people affected will see it.
console-when = When
console-resident = Resident
console-visitor = Visitor
console-status = Status
console-kind = Kind
console-price = Price
console-refund = Refunded
console-reason-by-visitor = cancelled by the visitor
console-reason-released = the resident was released from the facility
console-reason-moved-no-kiosk = the resident moved to another housing unit, where no kiosk is free at that time
console-reason-moved-no-hours = the resident moved to another housing unit, which has no visiting hours at that time
console-reason-platform-fault = no picture or sound reached either side (a fault in OpenVisit)
console-from = From
console-to = To
console-day = Day
console-unit = Housing unit
console-lobby = Lobby (on-site visits)
console-show = Show
console-filter = Filter
console-all = All
console-privileged = Privileged (attorney)
console-amount = Amount ($)
console-memo = Note the visitor reads

console-settings-title = Facility settings
console-rules-title = Visits and prices
console-kinds = Visits booked here
console-offers-remote = Remote visits (from home)
console-offers-on-site = On-site visits (lobby kiosk)
console-on-site-note = Where on-site visits are booked instead, in English (shown to families when not offered here)
console-on-site-note-es = The same in Spanish (families reading Spanish see this one)
console-visit-rules = Visiting rules (conduct, dress, what ends a visit), one per line
console-visit-rules-es = The same in Spanish
console-visit-rules-hint = Visitors read and accept these before their first booking here; when you change them, each visitor accepts them again before the next booking. Leave both empty for none.
console-pricing-mode = Pricing
console-pricing-free = Free
console-pricing-block = By the block, charged when booked
console-pricing-per-minute = By the minute, only connected minutes are charged
console-increment = Billing increment (minutes)
console-fee = Fee per increment ($)
console-fee-hint = The rate cap for this facility's type and size applies; a higher fee is refused.
console-lengths = Visit lengths offered (minutes, separated by commas)
console-grid = Visits start every (minutes)
console-min-notice = Minimum notice to book (minutes)
console-max-days = Booking opens this many days ahead
console-cancel-notice = Free cancellation until this many minutes before
console-weekly-limit = Visits per resident per week (0 = no limit)
console-gap = Gap between visits on a kiosk (minutes)
console-recordings-title = Recordings
console-recording-days = Keep recordings for (days)
console-recording-days-hint = Non-privileged visits are recorded (R14). Older recordings are deleted every hour. Privileged visits are never recorded.
console-units-title = Housing units, kiosks and visiting hours
console-kiosks = Kiosks
console-hours = Visiting hours
console-hours-hint = Facility time, for example: mon-fri 08:00-11:30,13:00-20:00; sat 09:00-12:00
console-add-unit = Add a housing unit
console-add-kiosk = Add a kiosk
console-set-hours = Set visiting hours
console-name-field = Name
console-blackouts-title = Blackouts and lockdowns
console-blackouts-none = No blackout is planned.
console-add-blackout = Plan a blackout
console-blackout-hint = Times are in the facility's time zone ({ $zone }). You will see who is affected before anything changes.
console-blackout-preview = Show who is affected
console-blackout-bad-time = Give a start and an end date and time.
console-blackout-order = The blackout must start before it ends.
console-blackout-affects-none = No booked visit falls in this period.
console-blackout-affects = { $count ->
    [one] One booked visit falls in this period. It will be cancelled with a full refund, and the visitor is emailed:
   *[other] { $count } booked visits fall in this period. They will be cancelled with a full refund, and the visitors are emailed:
}
console-blackout-confirm = { $count ->
    [0] Create the blackout
    [one] Create the blackout and cancel 1 visit
   *[other] Create the blackout and cancel { $count } visits
}
console-blackout-done = The blackout is in place; affected visits were cancelled and refunded.

console-blackout-lift = Lift now
console-blackout-lifted = The blackout is lifted; its times can be booked again. Visits it cancelled stay cancelled and refunded.

console-roster-title = Roster
console-roster-intro = Upload the roster exported by the jail management system as CSV with the columns booking_number, full_name, housing_unit. You see what changes before it is applied. A resident who moves keeps the visits that fall in the new unit's visiting hours with one of its kiosks free; other visits of moved or released residents are cancelled with a full refund.
console-roster-file = Roster file (CSV)
console-roster-preview = Preview the changes
console-roster-preview-title = Preview: nothing has changed yet
console-roster-applied = The roster is applied.
console-roster-added = Added
console-roster-moved = Moved to another unit
console-roster-released = Released
console-roster-kept = Visits kept on a new kiosk: { $count }.
console-roster-cancelled = Visits cancelled and refunded: { $count }.
console-roster-unchanged = Residents unchanged: { $count }.
console-roster-apply = Apply the roster

console-approvals-title = Approvals
console-approvals-none = No one is waiting.
console-email-confirmed = email confirmed
console-email-unconfirmed = email not confirmed yet
console-requested = asked on
console-grant-privileged = Privileged (attorney): not watched, not recorded
console-approve = Approve
console-deny = Deny
console-suspend = Suspend (cancels future visits with a refund)
console-decided = The decision is saved and the visitor is told.

console-schedule-title = Schedule
console-all-units = All units
console-show-day = Show the day
console-times-in = Times in { $zone }
console-kiosk-free = No visits.
console-visit-title = Visit #{ $number }
console-back-to-board = Back to the schedule
console-play-recording = Play the recording
console-watch-live = Watch live
console-cancel-title = Cancel this visit
console-cancel-note = The visitor gets a full refund and an email with your reason.
console-cancel = Cancel the visit
console-cancelled = The visit is cancelled and the visitor refunded.
console-notice-title = Post a notice to the waiting room
console-notice-kind = Notice
console-notice-text = Your words (optional; required for a message)
console-notice-text-es = The same in Spanish (families and residents reading Spanish see this one)
console-notice-post = Post the notice
console-notice-posted = The notice is posted; the family sees it now.
console-no-show-title = Why the resident did not come

console-reports-title = Reports
console-report-bad-dates = Choose dates as YYYY-MM-DD.
console-report-csv = Download as CSV
console-report-caption = Visits by day and housing unit (facility time)
console-missed-visitor = Missed by the visitor
console-missed-resident = Missed by the resident
console-missed-both = Missed by both
console-revenue = Revenue
console-refunds = Refunds
console-credits = Credits
console-total = Total
console-table-scroll = Table (scrolls sideways)

console-audit-title = Audit log
console-audit-intro = Every staff action and money movement, newest first. Nobody can change or delete a line.
console-person = Person
console-everyone = Everyone
console-action = Action
console-action-hint = An action such as visit.cancel, or a family ending in a dot, such as ticket.
console-subject = Subject
console-detail = Detail
console-audit-none = No lines match.
console-audit-limit = The newest { $count } lines at most.
console-audit-system = The system
console-audit-someone = Another facility's staff
console-audit-actor = { $role } · { $name }
console-role-visitor = Visitor
console-role-facility_admin = Facility administrator
console-role-officer = Officer
console-role-support = OpenVisit support
console-yes = yes
console-no = no
console-audit-unchanged = nothing changed
console-audit-action-approval-decide = Approval decided
console-audit-action-approval-privileged = Attorney status changed
console-audit-action-blackout-add = Closure added
console-audit-action-blackout-lift = Closure lifted
console-audit-action-facility-recording-days = Recording retention changed
console-audit-action-facility-settings = Settings changed
console-audit-action-hours-set = Visiting hours set
console-audit-action-kiosk-add = Kiosk added
console-audit-action-ledger-entry = Money moved
console-audit-action-roster-import = Roster imported
console-audit-action-ticket-close = Question closed
console-audit-action-ticket-reply = Question answered
console-audit-action-unit-add = Housing unit added
console-audit-action-unit-retire = Housing unit taken out of service
console-audit-action-kiosk-retire = Kiosk taken out of service
console-audit-action-visit-cancel = Visit cancelled
console-audit-action-visit-end = Visit ended
console-audit-action-visit-no-show-reason = No-show reason recorded
console-audit-action-visit-notice = Notice posted
console-audit-approval-pending = waiting
console-audit-approval-approved = approved
console-audit-approval-denied = not approved
console-audit-approval-suspended = suspended
console-audit-account-visitor = Visitor balance
console-audit-account-payments = Payments received
console-audit-account-revenue = Facility revenue
console-audit-account-hold = Held for visit
console-audit-account-credits = Platform credits
console-audit-field-reason = reason
console-audit-field-refund-cents = refunded
console-audit-field-notice = notice
console-audit-field-kind = kind
console-audit-field-body = text
console-audit-field-body-es = text in Spanish
console-audit-field-start = from
console-audit-field-end = until
console-audit-field-cancelled-visits = visits cancelled
console-audit-field-began = already begun
console-audit-field-chars = characters
console-audit-field-from = was
console-audit-field-to = now
console-audit-field-privileged = privileged (attorney)
console-audit-field-visits = visits
console-audit-field-added = added
console-audit-field-moved = moved
console-audit-field-released = released
console-audit-field-kept-visits = visits kept
console-audit-field-connected-seconds = seconds connected
console-audit-field-lost-minutes = minutes lost to a fault
console-audit-field-charged-cents = charged
console-audit-field-credited-cents = credited
console-audit-field-entry = entry
console-audit-field-postings = postings

console-support-title = Support inbox
console-support-none = No questions.
console-reference = Reference
console-received = Received
console-from-person = From
console-question = Question
console-general = general
console-ticket-open = Open
console-ticket-answered = Answered
console-ticket-closed = Closed
console-replies = Answers
console-reply = Your answer
console-reply-hint = It is emailed to the sender.
console-reply-send = Send the answer
console-reply-sent = The answer is sent by email.
console-ticket-close = Close the question
console-ticket-closed-done = The question is closed.
console-sender-visits = The sender's visits here
console-no-visits = No visits.
console-day-list = The day's visits
console-sender-ledger = The sender's money
console-no-money = No money movements.
console-sender-unknown = The sender has no visitor account with this email.
console-credit-title = Goodwill credit
console-credit-give = Give the credit
console-credit-done = The credit is in the visitor's balance.

# The undelivered emails page.
console-nav-emails = Emails
console-emails-title = Emails not delivered
console-emails-intro = Visit emails the mail server did not accept. Each is tried again on its own, waiting longer after each failure; after the last attempt it is given up. Reach these families another way (by phone, or at the visit), and check the mail settings if many fail.
console-emails-none = Every visit email has been delivered.
console-emails-visit = Visit
console-emails-to = To
console-emails-what = Email
console-emails-state = Delivery
console-emails-error = Mail server's answer
console-emails-trying = Still trying
console-emails-given-up = Given up
console-email-attempts = { $count } of { $most } attempts
console-email-news-booked = Visit booked
console-email-news-changed = Visit moved
console-email-news-cancelled = Visit cancelled
console-email-news-reminder = Reminder
console-rename-title = Rename or take out of service
console-rename-unit = New name for the unit { $name }
console-rename-kiosk = New name for the kiosk { $name }
console-rename = Rename
console-renamed = Renamed.
console-retire = Take out of service…
console-retire-title = Take the kiosk { $name } out of service
console-retire-affects-none = No booked visit uses this kiosk: nobody is affected.
console-retire-affects = { $count ->
        [one] 1 booked visit uses this kiosk. It will be cancelled with a full refund, and the family told why:
       *[other] { $count } booked visits use this kiosk. They will be cancelled with a full refund, and each family told why:
    }
console-retire-reason = Why (each affected family reads it)
console-retire-confirm = { $count ->
        [0] Take it out of service
        [one] Take it out of service and cancel 1 visit
       *[other] Take it out of service and cancel { $count } visits
    }
console-retire-keep = Keep it in service
console-retired = The kiosk is out of service.
console-retire-unit-title = Take the housing unit { $name } out of service, with its kiosks
console-retire-unit-residents = { $count ->
        [one] 1 person still lives in this unit. Move them to another unit first.
       *[other] { $count } people still live in this unit. Move them to another unit first.
    }
console-retire-unit-roster = Open the roster
console-retire-unit-affects = { $count ->
        [0] Nobody lives here and no booked visit uses its kiosks: nobody is affected.
        [one] 1 booked visit uses its kiosks. It will be cancelled with a full refund, and the family told why.
       *[other] { $count } booked visits use its kiosks. They will be cancelled with a full refund, and each family told why.
    }
console-retire-unit-confirm = Take the unit and its kiosks out of service
console-retired-unit = The unit and its kiosks are out of service.
console-nav-book = Book for a family
console-book-title = Book for a family
console-book-lead = For a family on the phone or at the lobby: the same rules and times as the website, charged to the family's balance, and on the audit log as your booking.
console-book-family = { $visitor } to visit { $resident }
console-book-no-families = No family is approved to visit anyone here yet.
console-book-other-family = Choose another family
console-book-minutes = { $minutes } minutes
console-book-rules = The facility's visiting rules, not yet accepted by this family
console-book-rules-read = I read these rules to the family and they agreed to follow them
console-book-charge = The price is taken from the family's balance, as if they had booked on the website.
console-book-confirm = Book for the family
console-book-funds = The family's balance is { $balance }; this visit costs { $price }. They need to add funds first.
console-book-walk-in-title = Walk-in at the lobby
console-book-walk-in = The next free on-site time today is { $time } (facility time), for { $minutes } minutes.
console-book-walk-in-none = No on-site time is free for the rest of today. Choose another day below.
console-book-walk-in-confirm = Book it now
