# Why a request was refused, as the API, the console and the pages say it. The ids are
# named by the core, the store and the web layer (`openvisit_core::message::Message`);
# values arrive already formatted (money as "$5.70").

error-sign-in-required = sign in to continue
error-forbidden = you are not allowed to do this
error-video-unavailable = video is not available on this server right now; try again in a minute
error-not-found = { $what ->
        [visit] this visit was not found
        [resident] this person was not found
        [facility] this facility was not found
        [account] this account was not found
        [approval] this approval was not found
        [blackout] this blackout was not found
        [housing_unit] this housing unit was not found
        [kiosk] this kiosk was not found
        [recording] this recording was not found
        [recording_file] this recording's file was not found
        [ticket] this question was not found
        [visitor] this visitor was not found
        [page] there is no page here
       *[other] not found
    }
error-not-approved = you are not approved to visit this person yet; ask the facility for approval
error-add-funds = not enough funds: this visit costs { $price } and your balance is { $balance }; add funds and try again
error-idempotency-key-reused = this Idempotency-Key was already used for a different request
error-idempotency-key-text = the Idempotency-Key header must be plain text
error-idempotency-key-length = the Idempotency-Key header must be 1 to 200 visible characters
error-bad-body = the request body cannot be read: { $detail }
error-bad-request = the request cannot be read: { $detail }
error-price-above-cap = { $fee } per { $increment } minutes is { $per_minute } a minute, above the cap of { $cap } for this facility
error-price-increment = the billing increment must be 15 or 30 minutes, not { $increment }
error-price-negative = the fee cannot be negative
error-price-no-cap = no rate cap applies to this facility; set it free of charge or ask the operator
error-amount-not-positive = an amount must be more than zero
error-amount-too-large = the amount is too large
error-cancel-started = this visit has already started or ended and can no longer be cancelled
error-rule-kind = this facility does not book this type of visit here
error-rule-length = this visit length is not offered
error-rule-grid = visits must start on the facility's time grid
error-rule-too-soon = this start is too soon; book further ahead
error-rule-too-far = this start is too far ahead
error-rule-hours = the visit is outside visiting hours
error-rule-blackout = no visits happen in this period (blackout)
error-rule-resident-busy = the resident already has a visit at this time
error-rule-visitor-busy = you already have a visit at this time
error-rule-no-kiosk = no kiosk is free at this time
error-rule-no-lobby-kiosk = no lobby kiosk is free at this time
error-rule-weekly-limit = the resident has reached the weekly visit limit
error-metrics-off = metrics are off; start the server with --metrics-token to read them
error-metrics-token = send the metrics token as: Authorization: Bearer <token>
error-cross-origin = this request came from another site and was refused; use this site's own pages
error-ticket-expired = this link to the visit has expired or was already used; open the visit again
error-visit-over = this visit is over or was cancelled
error-roster-csv = send the roster as CSV (Content-Type: text/csv)
error-roster-too-large = the roster file is larger than 5 MB
error-roster-utf8 = the roster file must be UTF-8 text
error-roster-line = line { $line }: { $detail }
error-roster-duplicate = booking number { $number } appears more than once
error-roster-empty = the roster is empty; a facility always has someone in custody
error-roster-unknown-unit = booking number { $number }: there is no housing unit named "{ $unit }"; create it first
error-dates-order = the last date is before the first
error-dates-range = the dates are out of range
error-report-days = a report covers at most { $most } days
error-range-days = choose a range of 1 to { $most } days, with 'from' before 'to'
error-range-42 = choose a range of up to 42 days, with 'from' before 'to'
error-link-expired = this link has expired or was already used; sign in and ask for a new one
error-locked-until = too many wrong passwords: try again after { $until }, or reset your password
error-on-site-visit = this is an on-site visit: join it at the facility's lobby kiosk with your code
error-privileged-visit = this is a privileged (attorney) visit: it cannot be watched or recorded
error-pin-required = enter your PIN
error-wrong-pin = that PIN is not right; try again
error-lobby-code-required = enter the code from your booking
error-wrong-code = no visit at this kiosk has that code; check your booking email
error-end-reason = say why the visit is being ended
error-not-live = this visit is not live; cancel it from the schedule instead
error-cancel-reason = give a reason; the visitor will see it
error-blackout-form = give a start before the end, and a reason
error-hours-parse = cannot read the hours "{ $part }": { $why ->
        [days-then-times] give days, a space, then times
        [range-backwards] a day range must run forwards, e.g. mon-fri
        [unknown-day] unknown day; use mon, tue, wed, thu, fri, sat, sun
        [span-form] a time span is HH:MM-HH:MM
        [time-form] times are HH:MM, from 00:00 to 24:00
        [open-before-close] each span must open before it closes
       *[no-hours] no hours given
    }; write e.g. "mon-fri 08:00-11:30,13:00-20:00; sat 09:00-12:00"
error-notice-length = a notice needs 1 to { $most } characters
error-notice-visit-over = this visit is over or cancelled; notices are for upcoming visits
error-try-again = that did not go through; please try again
error-deposit-range = add between { $least } and { $most } at a time
error-payment-declined = the payment was declined and nothing was charged; try another card
error-payment-pending = this payment is still being processed; check your balance in a minute
error-payment-unavailable = the payment service is not answering; nothing was charged, try again later
error-bad-signature = the event's signature does not match this endpoint's signing secret, or it was signed more than five minutes ago
error-payment-event-malformed = the body is not a payment provider's event
error-pin-digits = the PIN must be 4 to 8 digits
error-pin-not-set = no PIN is set for this person yet; staff can set one
error-pin-locked = { $minutes ->
        [one] too many wrong PINs: signing in is locked for 1 more minute
       *[other] too many wrong PINs: signing in is locked for { $minutes } more minutes
    }
error-hours = visiting hours need a weekday from 1 (Monday) to 7 and an opening before the closing
error-email-unconfirmed = confirm your email address first: open the link we sent you
error-resident-gone = this person is no longer at the facility
error-approval-status = choose approved, denied or suspended
error-approval-reason = give a reason for denying or suspending
error-other-facility = this visit belongs to another facility
error-privileged-not-recorded = privileged visits are never recorded
error-recording-exists = this visit already has a recording
error-retention-days = recordings can be kept from 1 to { $most } days
error-blackout-order = a blackout must start before it ends
error-blackout-length = a blackout can last at most a year
error-blackout-reason = give a reason; visitors are told it
error-blackout-over = this blackout is already over
error-answer-length = an answer needs 1 to { $most } characters
error-credit-reason = say why the credit is given (up to 300 characters); the visitor reads it
error-credit-range = a goodwill credit is between $0.01 and { $most }
error-credit-cap = your role may give { $cap } in goodwill credits a day and { $left } is left today; ask a facility admin for more
error-no-lengths = allow at least one visit length
error-lengths = visit lengths must be multiples of 5 minutes, from 5 to 240
error-setting-multiple-of-5 = { $name ->
        [slot_grid] the slot grid
       *[kiosk_gap] the kiosk gap
    } must be a multiple of 5 minutes, at most 240
error-grid-zero = the slot grid cannot be 0 minutes
error-days-ahead = visits can be booked from 1 to 366 days ahead
error-weekly-limit = the weekly limit per resident must be from 0 (none) to 100 visits
error-notice-too-long = { $name ->
        [booking_notice] the booking notice
       *[cancellation_notice] the cancellation notice
    } can be at most 30 days (43200 minutes)
error-no-kinds = offer remote visits, on-site visits or both
error-time-zone = unknown time zone "{ $zone }"; use an IANA name such as America/Chicago
error-facility-exists = a facility named "{ $name }" already exists
error-account-exists = an account with this email already exists
error-search-short = type at least 2 letters of the name, or the booking number
error-visit-not-booked = this visit is not booked any more
error-move-too-late = { $hours ->
        [one] a visit can be moved up to 1 hour before it starts; this one is too close
       *[other] a visit can be moved up to { $hours } hours before it starts; this one is too close
    }
error-visit-settled = this visit is already settled or cancelled
error-end-before-start = a visit cannot end before it started
error-settle-before-start = a visit cannot be settled before it starts
error-missed-reason = say why the resident did not come (1 to { $most } characters)
error-not-missed = only a visit the resident missed can have a reason recorded
error-name-taken = this facility already has { $what ->
        [unit] a housing unit
       *[kiosk] a kiosk
    } named "{ $name }"
error-name-length = give a name of 1 to 100 characters
error-rules-not-accepted = read and accept this facility's visiting rules before booking (GET /api/v1/facilities/{ $id }, then POST …/rules/accept)
error-rules-changed = the facility's rules changed since you read them; read them again
error-rules-length = the visiting rules can be at most { $most } characters in each language
error-retire-reason = say why the kiosk is taken out of service (up to 300 characters); each family whose visit is cancelled reads it
error-retire-unit-reason = say why the housing unit is taken out of service (up to 300 characters); each family whose visit is cancelled reads it
error-unit-has-residents = { $count ->
        [one] 1 person still lives in this housing unit; move them to another unit first (a roster upload or the roster page)
       *[other] { $count } people still live in this housing unit; move them to another unit first (a roster upload or the roster page)
    }
error-rules-not-read = this family has not accepted the facility's visiting rules: read them to them and book again with rules_read
