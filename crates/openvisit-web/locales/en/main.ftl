## Layout
site-name = OpenVisit
skip-to-content = Skip to main content
nav-home = Home
nav-facilities = Find a facility
nav-how = How it works
nav-faq = Questions
language-switch = Español
language-switch-label = Ver esta página en español
footer-note = OpenVisit is open-source video visitation. Visits at facility lobby kiosks are free.

page-not-found = This page does not exist. Try the directory of facilities.

## Home
home-title = Video visits with the people you love
home-lead = Book a video visit with a person in custody, then hold it from home or from the facility's lobby.
home-cta = Sign up and start communicating today
home-find = Find a facility
home-point-price = You see the price before you book. No deposit or extra fees, ever.
home-point-time = Visits end at their scheduled time, so arrive ten minutes early.
home-point-lang = Every page is in English and Spanish.

## Directory
facilities-title = Find a facility
facilities-search-label = Facility name, city or state
facilities-search-button = Search
facilities-none = No facility matches “{ $query }”. Check the spelling, or ask the facility which video visitation service it uses.
facilities-count = { $count ->
    [one] One facility uses OpenVisit.
   *[other] { $count } facilities use OpenVisit.
}
facilities-check = Only facilities listed here book visits through OpenVisit. If yours is not listed, ask the facility how it handles video visits.

## Facility page
facility-visit-types = Visits booked here
facility-remote = Remote visits, from your own computer or phone
facility-onsite = On-site visits, at a kiosk in the facility's lobby
facility-onsite-elsewhere = On-site visits are not booked through OpenVisit here.
facility-onsite-contact = To arrange an on-site visit, contact the facility:
facility-price = Price
facility-price-onsite-free = On-site visits at the lobby kiosks are free.
facility-price-free = Remote visits at this facility are free.
facility-price-block = Remote visits cost { $fee } for every { $increment } minutes. You pay for the whole scheduled visit when you book, even if it starts late.
facility-price-per-minute = Remote visits cost { $fee } for every { $increment } minutes, charged by the minute for the time you are connected. The whole visit is set aside when you book; what you do not use comes back to your balance.
facility-lengths = Visit lengths
facility-length-price = { $minutes } minutes: { $price }
facility-hours = Visiting hours
facility-hours-note = Times are in the facility's time zone ({ $zone }).
facility-unit-closed = No visiting hours set.
facility-cancel = { $hours ->
        [0] You can cancel until the visit starts for a full refund.
        [one] You can cancel up to { $hours } hour before a visit for a full refund.
       *[other] You can cancel up to { $hours } hours before a visit for a full refund.
    }
facility-words-other-language = (The facility wrote this in Spanish only.) { $words }
facility-cancel-minutes = { $minutes ->
        [one] You can cancel up to { $minutes } minute before a visit for a full refund.
       *[other] You can cancel up to { $minutes } minutes before a visit for a full refund.
    }
facility-contact = Contact
facility-not-found = We could not find that facility. Search the directory again.

## Weekdays
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
weekday-short-1 = Mon
weekday-short-2 = Tue
weekday-short-3 = Wed
weekday-short-4 = Thu
weekday-short-5 = Fri
weekday-short-6 = Sat
weekday-short-7 = Sun
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## How it works
how-title = How video visitation works
how-step-find = Find the facility in the directory. Check that it books visits through OpenVisit, and which kinds of visit it offers.
how-step-account = Create an account with your email address and a password of at least ten characters.
how-step-approval = Ask to be approved for the person you want to visit. Search by name or booking number. The facility checks your identity before approving you.
how-step-funds = For remote visits, add funds to your balance. Visits at the lobby kiosks are free.
how-step-book = Book: choose the kind of visit, its length, a day and a time. Times are shown in the facility's time zone and in yours. You see the price before you confirm.
how-step-join = On the day, be ready ten minutes early. The visit can start up to ten minutes early once you are both ready, and it always ends at its scheduled time.

## FAQ
faq-title = Questions and answers
faq-schedule-q = How do I schedule a visit?
faq-schedule-a = Follow the steps on the “How video visitation works” page: find the facility, create an account, get approved, then book.
faq-remote-only-q = I want an on-site visit, but only “remote” is offered. Why?
faq-remote-only-a = Some facilities use OpenVisit for remote visits only and handle on-site visits another way. The facility's page says so and shows how to contact the facility to arrange an on-site visit.
faq-fee-q = Is there a fee?
faq-fee-a = Visits at a kiosk in the facility's lobby are free. Remote visits from your own device cost a fee set by each facility, billed in 15- or 30-minute increments. You see the price before you book, and no other fee is ever added.
faq-late-q = My 15-minute visit started late and I only got 10 minutes. Why?
faq-late-a = Every visit ends at its scheduled time, however late it starts: a visit booked for 1:00 to 1:15 that starts at 1:05 ends at 1:15. This keeps the next visits on time. Be ready ten minutes early: if you are both ready, the visit can start up to ten minutes before its time, and it still lasts no longer than booked.
faq-missed-q = The person I was visiting was late. Can we get the missed time back?
faq-missed-a = The kiosk in the housing unit always shows when the next visit begins, so the person can be there on time. Where the facility charges for the whole visit, a late start is not refunded. Where it charges by the minute, you pay only for the minutes you were connected.
faq-cancel-q = Can I cancel a visit?
faq-cancel-a = Yes. Cancel before the facility's notice period (shown on its page) for a full refund. If the facility cancels your visit, you always get your money back automatically.

## Email
email-verify-subject = Confirm your email address for OpenVisit
email-verify-body = Hello { $name },

    Open this link to confirm your email address:
    { $link }

    The link works once, for 48 hours. If you did not create an OpenVisit account, ignore this email.
email-reset-subject = Choose a new OpenVisit password
email-reset-body = Hello { $name },

    Open this link to choose a new password:
    { $link }

    The link works once, for one hour. If you did not ask for it, ignore this email; your password has not changed.

## Accounts
nav-register = Sign up
nav-sign-in = Sign in
nav-sign-out = Sign out
nav-account = My account
register-title = Create your account
register-name = Your name
register-email = Email address
register-password = Password (at least 10 characters)
register-language = Language for emails
register-time-zone = Your time zone
register-submit = Create account
register-sent-title = Check your email
register-sent = If this address is new to OpenVisit, we have sent it a link to confirm it. Open the link, then sign in. The link works for 48 hours.
verify-ok-title = Your email address is confirmed
verify-ok = Thank you. You can now sign in and ask to be approved for the person you want to visit.
verify-bad-title = This link does not work any more
verify-bad = It has expired or was already used. Sign in to ask for a new one.
sign-in-title = Sign in
sign-in-submit = Sign in
sign-in-no-account = No account yet?
account-title = My account
account-email-confirmed = Your email address is confirmed.
account-email-unconfirmed = Your email address is not confirmed yet. Open the link we emailed you.
account-resend = Send the link again
account-resent = We have sent the link again.
account-language-saved = Saved.
account-save = Save
cross-origin-refused = This request came from another website and was refused. Open this site directly and try again.
form-expired = This form has expired. Reload the page and try again.
form-expired-again = Open the form again
error-invalid_email = Enter a valid email address, like name@example.com.
error-weak_password = Choose a password of at least 10 characters.
error-invalid_name = Enter your name (up to 100 characters).
error-invalid_language = Choose English or Spanish.
error-invalid_time_zone = Choose your time zone from the list.
error-wrong_credentials = The email, password or code is not right.
error-locked = Too many wrong passwords. Wait 15 minutes, then try again.
error-too_many_attempts = Too many attempts from your network. Wait a minute and try again.
app-description = Book and hold video visits with a person in custody.
offline-title = You are offline
offline-text = OpenVisit needs the internet to show your visits and to book or join one. Check your connection, then try again.
offline-retry = Try again
error-generic-title = Something went wrong
error-generic = Something went wrong on our side. Nothing was changed; please try again.
tz-eastern = Eastern (New York)
tz-central = Central (Chicago)
tz-mountain = Mountain (Denver)
tz-arizona = Arizona (Phoenix)
tz-pacific = Pacific (Los Angeles)
tz-alaska = Alaska (Anchorage)
tz-hawaii = Hawaii (Honolulu)
outbox-title = Emails sent (demo outbox)
outbox-empty = No email has been sent yet.
outbox-scope-mine = Only the emails sent to your own address are shown.
outbox-scope-nobody = Sign in to see the emails sent to you. The server's operator sees every email with the link printed when the server started.
outbox-scope-operator = Every email this server kept (operator's view).
outbox-to = To

## Signed-in visitor
nav-visits = My visits
nav-people = People I visit
nav-funds = Funds
people-title = People I visit
people-none = You have not asked to visit anyone yet.
people-status-pending = Waiting for the facility to approve you
people-status-approved = Approved
people-status-denied = Not approved
people-status-suspended = Suspended by the facility
people-book = Book a visit
people-find-title = Ask to visit someone
people-facility = Facility
people-search = Name or booking number
people-search-button = Search
people-no-match = Nobody matches. Check the spelling or use the booking number.
people-ask = Ask to be approved
people-asked = Your request was sent. The facility checks your identity, then approves you.
people-unconfirmed = Confirm your email address first: open the link we sent you.
visits-title = My visits
visits-upcoming = Upcoming
visits-past = Past and cancelled
visits-none = No visits yet.
visits-with = With { $name }
visits-when = { $facility_time } (facility time) · { $your_time } (your time)
visits-kind-remote = Remote visit
visits-kind-on_site = On-site visit at the lobby kiosk
visits-price = Price: { $price }
visits-price-free = Free
visits-status-booked = Booked
visits-status-cancelled = Cancelled
visits-status-completed = Completed
visits-status-missed = Missed
visits-status-ended_by_staff = Ended by the facility
visits-status-failed = Lost to a technical problem (refunded)
visits-status-waiting = In the waiting room
visits-status-live = Live now
visits-cancel = Cancel this visit (you get { $refund } back)
visits-cancel-free = Cancel this visit
visits-cancel-no-refund = Cancel this visit (too late for a refund)
visits-cancelled = The visit is cancelled. { $refund } went back to your balance.
visits-cancelled-free = The visit is cancelled.
visits-cancel-ask = Cancel this visit?
visits-cancel-when = { $time } (facility time)
visits-cancel-back = You get { $refund } back to your balance.
visits-cancel-nothing-back = It is too late for a refund: nothing comes back to your balance.
visits-cancel-yes = Yes, cancel the visit
visits-cancel-keep = No, keep the visit
visits-booked = Your visit is booked.
visits-join-note = The Join button opens 10 minutes before the start.
visits-move = Move to another time
visits-moved = Your visit was moved. The calendar invitation in your email is updated.
move-title = Move your visit with { $name }
move-now = Now: { $facility_time } facility time ({ $your_time } your time).
move-price = The price stays { $price }: nothing more is charged and nothing comes back.
move-price-free = This visit stays free.
move-confirm = Move the visit
move-keep = Keep the current time
move-back = Back to my visits
move-taken = Someone else just booked that time. Choose another:
move-too-late = { $hours ->
        [one] It is too late to move this visit: visits can be moved up to 1 hour before they start.
       *[other] It is too late to move this visit: visits can be moved up to { $hours } hours before they start.
    }
rules-title = Before you book at { $facility }
rules-lead = Read the facility's visiting rules. You accept them once; if the facility changes them, you are asked again. A visit that breaks them can be ended.
rules-accept = I have read these rules and will follow them
rules-not-now = Not now
book-title = Book a visit with { $name }
book-kind = Kind of visit
book-length = Length
book-length-option = { $minutes } minutes ({ $price })
book-show-days = Show free times
book-days = Days with free times
book-day-option = { $count ->
        [one] { $day }: { $count } free time
       *[other] { $day }: { $count } free times
    }
book-no-days = No free times in the next two weeks. Try another length.
book-times = Free times on { $day }
book-long-day = { $weekday } { $day } { $month }
book-month = { $month } { $year }
book-morning = Morning
book-afternoon = Afternoon
book-evening = Evening
book-your-time = { $time } your time
book-zone-same = Times are the facility's local time ({ $zone }), the same as yours.
book-zone-differs = Times are the facility's local time ({ $zone }); your own time ({ $your_zone }) is under each.
book-price = You pay { $price } now, from your balance of { $balance }.
book-price-free = This visit is free.
book-confirm = Book and pay
book-taken = Someone else just booked that time. Here are the nearest free times:
book-add-funds = Your balance is { $balance }; this visit costs { $price }. Add funds, then book again.
book-add-funds-link = Add funds
funds-title = Funds
funds-balance = Your balance: { $balance }
funds-add = Add funds
funds-amount = Amount
funds-card = Card (demo: any number works)
funds-added = Funds added. Your balance is now { $balance }.
funds-pay-on-stripe = You pay on Stripe's secure page, then come back here.
funds-payment-processing = Thank you. Your payment is being confirmed; your balance goes up as soon as the card company confirms it, usually within a minute. Reload this page to see it.
funds-payment-cancelled = The payment was cancelled and nothing was charged.
funds-history = History
funds-none = No money has moved yet.
funds-back = Back to your booking

## Visit emails
email-booked-subject = Your visit with { $name } is booked
email-booked-body = Hello { $visitor },

    Your { $kind } with { $name } at { $facility } is booked:
    { $facility_time } (facility time)
    { $your_time } (your time)
    Length: { $minutes } minutes. Price: { $price }.

    Be ready ten minutes early: the visit ends at its scheduled time. The calendar invitation is attached.
email-cancelled-subject = Your visit with { $name } is cancelled
email-cancelled-body = Hello { $visitor },

    Your visit with { $name } at { $facility } on { $facility_time } (facility time) is cancelled.
email-cancelled-refund = { $refund } went back to your balance.
email-reminder-subject = Reminder: your visit with { $name }
email-reminder-body = Hello { $visitor },

    Your visit with { $name } at { $facility } starts { $facility_time } (facility time), { $your_time } (your time).
    Be ready ten minutes early.

## Contact
nav-contact = Contact us
contact-title = Ask us a question
contact-lead = If the questions and answers do not help, write to us. We answer by email.
contact-name = Your name
contact-email = Your email address
contact-facility = About which facility (optional)
contact-facility-none = Not about one facility
contact-message = Your question
contact-send = Send
contact-sent-title = We have your question
contact-sent = Your reference is { $reference }. We have emailed it to you, and we will answer by email.
error-invalid_message = Write your question (up to 4,000 characters).
email-ticket-subject = We received your question ({ $reference })
email-ticket-body = Hello { $name },

    We received your question. Your reference is { $reference }; quote it if you write again. We will answer by email.

    Your question:
    { $message }

## Password reset
forgot-link = Forgot your password?
forgot-title = Choose a new password
forgot-lead = Enter your email address. If it has an account, we send it a link to choose a new password.
forgot-submit = Send the link
forgot-sent = If this address has an account, we have sent it a link. The link works for one hour.
reset-title = Choose a new password
reset-password = New password (at least 10 characters)
reset-submit = Save the new password
reset-done-title = Your password is changed
reset-done = Sign in with your new password. Any other sign-ins were ended.

## Join and receipts
visits-starts-in-days = { $hours ->
        [0] { $days ->
            [one] Starts in { $days } day
           *[other] Starts in { $days } days
        }
        [one] { $days ->
            [one] Starts in { $days } day and { $hours } hour
           *[other] Starts in { $days } days and { $hours } hour
        }
       *[other] { $days ->
            [one] Starts in { $days } day and { $hours } hours
           *[other] Starts in { $days } days and { $hours } hours
        }
    }
visits-starts-in-hours = { $minutes ->
        [0] { $hours ->
            [one] Starts in { $hours } hour
           *[other] Starts in { $hours } hours
        }
        [one] { $hours ->
            [one] Starts in { $hours } hour and { $minutes } minute
           *[other] Starts in { $hours } hours and { $minutes } minute
        }
       *[other] { $hours ->
            [one] Starts in { $hours } hour and { $minutes } minutes
           *[other] Starts in { $hours } hours and { $minutes } minutes
        }
    }
visits-starts-in-minutes = { $minutes ->
        [one] Starts in { $minutes } minute
       *[other] Starts in { $minutes } minutes
    }
visits-started = Under way now
visits-join = Join the visit
visits-join-opens = You can join from { $time }.
visits-receipt = Receipt
join-title = Your visit
join-not-yet = The visit opens 10 minutes before it starts. Come back then.
join-unavailable = Video visits are not switched on on this server yet. Your visit is kept; the facility will contact you.
receipt-title = Receipt { $number }
receipt-date = Date
receipt-what = What
receipt-amount = Amount
receipt-visit = Visit
entry-deposit = Funds added
entry-visit_charge = Visit paid
entry-visit_hold = Visit amount set aside
entry-hold_capture = Visit settled by the minute
entry-refund = Refund
entry-credit = Credit
ledger-visit-with = with { $name }, { $time }
ledger-minutes-connected = { $minutes ->
    [one] { $minutes } minute connected
   *[other] { $minutes } minutes connected
}
ledger-minutes-lost = { $minutes ->
    [one] { $minutes } minute lost to a fault on our side
   *[other] { $minutes } minutes lost to a fault on our side
}

email-changed-subject = Your visit with { $name } has a new time
email-changed-body = Hello { $visitor },

    Your { $kind } with { $name } at { $facility } now starts:
    { $facility_time } (facility time)
    { $your_time } (your time)
    Length: { $minutes } minutes. Price: { $price } (unchanged).

    The attached calendar invitation replaces the earlier one.

# Live visit room (visitor page and kiosks)
live-intro = Check your camera and microphone, then say you are ready. The visit starts when both of you are ready.
live-kiosk-intro = Getting the visit ready…
live-devices-ok = Your camera and microphone work.
live-devices-failed = We could not use your camera or microphone. Allow them in your browser and try again.
live-disconnected = The connection was lost. Open the visit again to rejoin; the end time stays the same.
live-reconnecting = The connection was lost. Reconnecting… The end time stays the same.
live-replaced = This visit was opened in another window or device, so it stopped here.
live-waiting = Waiting for the visit to start.
live-live = You are in the visit.
live-other-away = The other person is not connected right now.
live-other-present = The other person is here.
live-other-ready = The other person is ready.
live-kiosk-online = The facility's kiosk is online.
live-time-left = Time left: {"{"}time{"}"}
live-warning-5 = 5 minutes left.
live-warning-1 = 1 minute left.
live-left = You left the visit. You can rejoin before it ends.
live-ended-completed = The visit has ended.
live-ended-by-staff = The visit was ended by the facility.
live-ended-missed = The visit did not take place.
live-ended-failed = The visit was lost to a technical fault. The lost minutes are credited to your balance.
live-error-not-open = The waiting room opens 10 minutes before the visit starts.
live-error-over = This visit is over.
live-error-wrong-pin = That PIN is not right. Try again.
live-error-wrong-code = No visit here has that code. Check your booking email.
live-error-locked = Too many wrong tries. Wait a few minutes and try again.
live-error-unavailable = Video is not available right now. Try again in a minute.
live-remote-video = The other person
live-local-video = You
live-check = Check camera and microphone
live-ready = I'm ready
live-mute = Mute
live-camera-off = Camera off
live-leave = Leave
live-title = Your visit with { $name }
live-with = { $facility } · { $time }
kiosk-next-title = Next visit
kiosk-next = {"{"}name{"}"}: {"{"}day{"}"} at {"{"}time{"}"}
kiosk-no-visit = No visits are scheduled at this kiosk.
kiosk-loading = Loading…
kiosk-pin = Your PIN
kiosk-code = The code from your booking confirmation
kiosk-sign-in = Start
kiosk-setup-title = Set up this kiosk
kiosk-not-set-up = This screen is not set up as a kiosk yet, or its kiosk was set up again on another screen. Set it up here with a new code.
kiosk-setup-lead = Staff: type the kiosk's set-up code. An administrator makes one with `openvisit kiosk-key`; it works once, for a day.
kiosk-setup-code = Set-up code
kiosk-setup-submit = Set up the kiosk
kiosk-setup-bad-code = This code is not valid: it may be mistyped, used already or more than a day old. Ask an administrator for a new one.
visits-lobby-code = Your code for the lobby kiosk: { $code }
live-notice-lockdown = The facility is in lockdown: the visit may be delayed or cancelled.
live-notice-court = The person you are visiting is at court.
live-notice-delay = The visit is running late.
live-notice-other = A message from the facility:
live-notice-other-language = (Staff wrote this in Spanish only.)
live-weak-link = The connection is slow, so the picture is less sharp. Sound comes first.
monitor-title = Live visits
monitor-intro = Visits of your facility that are live or in their waiting room. Watching is silent: the people in the visit are not told. Privileged (attorney) visits cannot be watched.
monitor-none = No visits are live right now.
monitor-watch = Watch and listen
monitor-privileged = Privileged: not watched or recorded
monitor-end = End the visit
monitor-reason = Reason
monitor-reason-needed = Say why the visit is being ended.
monitor-ended = The visit has ended.
monitor-visit = Visit #{"{"}id{"}"}
monitor-waiting = Waiting room
monitor-live = Live
monitor-visitor = Visitor
monitor-resident = Resident
recording-title = Recording of visit #{ $number }
recording-none = There is no recording of this visit (privileged, not held, or deleted after the retention period).
recording-failed-retrying = The recording of this visit could not be put together yet ({ $attempts } { $attempts ->
    [one] try
   *[other] tries
}). The media is kept, and the server tries again every ten minutes.
recording-failed = The recording of this visit could not be put together after { $attempts } tries. The media is kept until the end of the retention period; ask your administrator to look at the server log.
email-lobby-code = At the facility, sign in at the lobby kiosk with this code: { $code }
sign-in-code = Authentication code (staff only)
sign-in-code-hint = Facility staff: the 6-digit code from your authenticator app. Visitors leave this empty.
error-code_required = Staff sign in with the 6-digit code from their authenticator app too.
email-reply-subject = The answer to your question ({ $reference })
email-reply-body = Hello { $name },

    { $message }

    Reference: { $reference }. Reply through the contact form and quote it if you need more help.
