# Every word a signer reads, in English. Each message has the same id in locales/cy.
# Messages that take a number choose their words by it: { $count -> [one] … *[other] … }.

## The language switch

switch-language = Cymraeg
switch-language-label = Darllenwch y dudalen hon yn Gymraeg

## The signing form

field-name = Full name
field-email = Email address
field-email-parent = Your parent's or carer's email address
field-postcode = Postcode
field-country = Country
field-signatory-type = Signing as
field-organisation = Organisation
field-role = Role or job title
field-website = Website
field-public = Listing
field-contact = Contact
field-age-band = Your age
field-reason = Why does this matter to you? (optional)
field-reason-shown-as = Shown as
field-other = This field
hint-email-confirm = We send a link to confirm your signature. It is never shown publicly.
hint-email-thanks = We email you a note of your signature, with a link to withdraw it. It is never shown publicly.
hint-email-parent = If you are under 13, a grown-up who looks after you must agree. We email them a link to confirm, and nothing else. We never show it publicly.
hint-postcode = Optional; UK addresses only.
hint-reason = Up to 500 characters. We may show it on this page once we have read it. Not for under-18s.
reason-shown-legend = If we show your reason
reason-shown-name = Show it with my first name and constituency
reason-shown-anonymous = Show it without my name
hint-postcode-young = Optional; UK addresses only. If you are under 18 we keep only the first part, like CF10.
hint-organisation = Needed when you sign for an organisation.
hint-role = Optional.
hint-website = Your organisation's website, starting https://. Needed when you pledge for an organisation; the public list links to it.
signing-as-legend = I am signing
signing-as-individual = as an individual
signing-as-organisation = on behalf of an organisation
age-legend = How old are you?
age-hint = We ask so that we can look after your details properly. We keep less about anyone under 18, never show their name, and never add them to mailing lists.
age-under-13 = Under 13
age-13-15 = 13 to 15
age-16-17 = 16 or 17
age-18-plus = 18 or over
young-note = If you are under 18, we will not show your name or add you to mailing lists, so the boxes below are not for you.
honeypot-label = Leave this empty
button-sign = Sign
button-pledge = Take the pledge
button-working = Sending…
full-text = Read the full text you are signing
outcome-confirm = Thank you. Check your email: we have sent you a link to confirm your signature. It counts once you press the button on that page.
outcome-parent = Thank you. We have emailed your parent or carer. Your signature counts once they press the button in that email.
outcome-counted = Thank you: your signature is counted.
outcome-held = Thank you: your signature is recorded. The organisers check signatures sent without JavaScript before they count them.
problem-summary = There is a problem
problem-rate-limited = There have been too many attempts from your connection. Please wait a minute and try again.
problem-closed = This campaign has closed to new signatures.
problem-too-large = The form was too long to send.
problem-unavailable = We could not record your signature just now. Please try again in a few minutes.
problem-other = Something went wrong. Please try again.
problem-offline = We could not reach the server. Check your connection and try again.
problem-proof = We could not check that you are a person. Please try again.
campaign-closed = This campaign has closed to new signatures.
form-not-open = This signing form is not open: the campaign may not have started yet, or the address may be mistyped.
form-not-open-title = No campaign here
privacy-confirm = Your email address is used only to confirm your signature and, if you agree above, by { $organiser }. It is never shown publicly.
privacy-thanks = Your email address is used only to tell you of your signature and, if you agree above, by { $organiser }. It is never shown publicly.
the-organisers = the organisers
sign-title = Sign: { $title }
run-by = Run by { $name }.
privacy-notice = Their privacy notice
contact = Contact:
field-error-invalid = { $label }: this is not valid. Please check it and try again.
field-error-required = { $label }: this is needed.

## Counts

count-petition = { $count ->
    [one] person has signed
   *[other] people have signed
}
count-letter = { $count ->
    [one] signatory so far
   *[other] signatories so far
}
count-pledge = { $count ->
    [one] has taken the pledge
   *[other] have taken the pledge
}
count-young-line = { $count ->
    [one] { $n } child or young person signed
   *[other] { $n } children and young people signed
}
count-young-few = Fewer than 10 children and young people signed
page-reasons-title = Why people signed
count-paper-line = { $count ->
    [one] Including { $n } signature collected on paper
   *[other] Including { $n } signatures collected on paper
}

## The pages that links in emails open

link-unknown-title = This link does not work
link-unknown = The link is unknown or has expired. If you meant to sign, sign again and we will email you a new link.
failure-title = Something went wrong
failure = We could not complete this just now. Please try again in a few minutes.
confirm-title = Confirm your signature
confirm-text = Press the button to confirm that you signed { $title }.
confirm-button = Confirm my signature
withdraw-title = Withdraw your signature
withdraw-text = Press the button to withdraw your signature from { $title }. It will no longer be counted, and your details will be erased.
withdraw-button = Withdraw my signature
confirmed-title = Thank you: your signature is confirmed
confirmed-text = Your signature on { $title } now counts.
thanks-ask = One more voice makes a difference: share it with someone who would care.
thanks-share-button = Share…
withdrawn-title = Your signature is withdrawn
withdrawn-text = Your signature on { $title } no longer counts, and your details have been erased. You can sign again at any time.
back-to-campaign = Back to the campaign: { $title }

## Emails to signers

email-hello = Hello,
email-hello-name = Hello { $name },
email-confirm-subject = Please confirm your signature: { $title }
email-confirm = Thank you for signing “{ $title }”. Your signature counts once you confirm it: open the link below and press the button. The link works for 7 days. If you did not sign, ignore this email and nothing will be counted.
email-confirm-action = Confirm my signature
email-parent-subject = Your child asked to sign: { $title }
email-parent-named = { $name } would like to add their name to “{ $title }”, and gave this address as their parent's or carer's.
email-parent-unnamed = A child would like to add their name to “{ $title }”, and gave this address as their parent's or carer's.
email-parent = Their signature counts only if you agree: open the link below, read what they asked to sign, and press the button. We keep only the name they typed, the first part of their postcode if they gave one, and this address, and we never show their name publicly or email them. If you do not agree, ignore this email and nothing will be counted.
email-parent-kept = We delete what we keep of them { $days } days after the campaign closes.
email-parent-action = I agree: confirm their signature
email-thanks-subject = Thank you for signing: { $title }
email-thanks = Thank you for signing “{ $title }”. Your signature has been counted.
email-already-subject = You have already signed: { $title }
email-already = Someone (probably you) tried to sign “{ $title }” again with this address. You had already signed, and your signature is counted once.
email-withdraw = Changed your mind? Withdraw your signature here: { $link }
email-withdraw-html = Changed your mind?
email-withdraw-link = Withdraw your signature
email-run-by = This campaign is run by { $name }.
email-privacy = How they use your details: { $url }
email-reach = To reach them, write to { $email }.

## Campaign pages and the index

page-campaigns = Campaigns
page-share-title = Share this campaign
page-share-by = Share by { $name }
page-share-email = Email
page-new-tab = (opens in a new tab)
page-address = The page's address
page-copy = Copy the link
page-qr = For posters and leaflets: a QR code of the address,
page-qr-svg = as SVG
page-qr-or = or
page-qr-png = as PNG
page-organisations = { $count ->
    [one] { $n } organisation
   *[other] { $n } organisations
}
page-individuals = { $count ->
    [one] { $n } individual
   *[other] { $n } individuals
}
page-letter-headline = { $organisations } and { $individuals } have signed
page-pledge-headline = { $organisations } and { $individuals } have taken the pledge
page-signed-by = Signed by
page-taken-by = Taken by
page-organisations-heading = Organisations
page-individuals-heading = Individuals
page-verify = verify
page-verify-whose = { $title }'s pledge
page-handins-title = Handed in
page-handin = Handed in on { $date } with { $count ->
    [one] { $n } signature
   *[other] { $n } signatures
}. Its manifest's SHA-256:
page-handins-hint = Anyone given the bundle can check it: the SHA-256 of its manifest.json is the one shown here.
page-to = To: { $recipient }
page-text-changed = Last changed on { $date }.
page-text-earlier = Earlier versions, which their signers keep:
page-text-version = version { $version } ({ $count ->
    [one] signed by { $n }
   *[other] signed by { $n }
})
page-version-title = { $title } (version { $version })
page-version-notice = This is version { $version } of this campaign's text, as signers were given it from { $from } until { $until }: { $count ->
    [one] { $n } signature keeps it.
   *[other] { $n } signatures keep it.
}
page-version-current = Read the current version.
page-target = Towards a target of { $target }
page-closed-note = This campaign closed on { $date } with { $count ->
    [one] { $n } signature
   *[other] { $n } signatures
}.
page-outcome = Outcome: { $subject }
page-call-sign = Add your name
page-call-pledge = Take the pledge
page-not-found-title = No campaign here
page-not-found = This campaign does not exist or has not opened yet. The address may be mistyped.
page-see-open = See the open campaigns
page-preview-alt = { $title }, with its count of signatures
index-open = Open campaigns
index-closed = Closed campaigns
index-none-open = There are no open campaigns just now.
index-none-closed = There are no closed campaigns just now.
index-description = Petitions and open letters for children's rights.
index-count-petition = { $count ->
    [one] signature
   *[other] signatures
}
index-count-letter = { $count ->
    [one] signatory
   *[other] signatories
}
index-count-pledge = { $count ->
    [one] pledge taken
   *[other] pledges taken
}
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

## Updates to signers, and their unsubscribe page

unsubscribe-unknown = The link is not one of ours. To stop a campaign's emails, use the link at the foot of one of them.
unsubscribe-title = Unsubscribe
unsubscribe-text = Press the button to get no more updates about this campaign. Your signature still counts.
unsubscribe-button = Unsubscribe
unsubscribed-title = You are unsubscribed
unsubscribed-text = You will get no more updates about { $title }. Your signature still counts.
email-update-footer = You are sent this because you signed “{ $title }”. To get no more updates about it: { $link }
email-update-footer-html = You are sent this because you signed “{ $title }”.
email-update-unsubscribe = Unsubscribe from its updates
email-test-subject = [Test]
email-test-note = This is a test, sent to you alone. Each signer’s copy greets them by name, and its unsubscribe link works for them; this one’s unsubscribes no one.

## A pledge's renewal

email-renew-subject = Please renew your pledge: { $title }
email-renew = Your pledge “{ $title }” is due for renewal and lapses within the month unless it is renewed. Open the link below and press the button to renew it. A pledge that lapses is no longer listed or counted, and its badge shows “not verified”.
email-renew-action = Renew our pledge
email-badge-subject = Your pledge is verified: { $title }
email-badge-intro = Thank you for taking the pledge “{ $title }”. It is approved: your pledge now has a page that verifies it, and a badge for your website.
email-badge-image = The pledge's badge
email-badge-paste = To show the badge on your website, paste this into a page's HTML (in WordPress, into a Custom HTML block). It links to your pledge's page, and reads “not verified” if the pledge ends.
email-badge-holds-for-good = Your pledge holds until you withdraw it.
email-badge-holds-months = Your pledge holds for { $months } months. A month before it ends, we will email you a link to renew it.
email-badge-action = See your pledge's page

## The standard words beside the consent boxes (a campaign's own words replace them)

consent-public-petition = Show my name on the public list of people who signed.
consent-public-letter = List my name, role and organisation publicly as a signatory of this letter.
consent-public-pledge = List this pledge publicly: our organisation (or my name), role and website, with a page that verifies it.
consent-contact = Email me about this campaign and other work by { $organiser }. I can unsubscribe at any time.
consent-contact-unnamed = Email me about this campaign and the organisers' related work. I can unsubscribe at any time.
consent-soft = { $organiser } may email you about this campaign and their related work. Untick this box if you would rather they did not.
consent-soft-unnamed = The organisers may email you about this campaign and their related work. Untick this box if you would rather they did not.

## A pledger's verification page, and the page a renewal link opens

pledge-none-title = No verified pledge here
pledge-none = This address is not a pledge that has been taken and verified. A pledge is listed here once its pledger has confirmed it and the campaign's organisers have accepted it.
pledge-see-campaigns = See the campaigns
pledge-badge-alt = { $name } has taken the { $title } pledge: verify it
pledge-about = About the { $title } pledge
pledge-whose = { $name }'s pledge
pledge-this = This pledge
pledge-ended-title = This pledge is no longer held
pledge-ended = { $who } to { $title } { $ending }. It is not verified, and a badge that links here shows “not verified”.
ending-withdrawn = was withdrawn by its pledger
ending-rejected = was not accepted by the campaign's organisers
ending-erased = was removed at its pledger's request
ending-lapsed-on = lapsed on { $date }: it was not renewed
ending-lapsed = lapsed: it was not renewed
pledge-a-pledger = A pledger
pledge-took = { $name } took the { $title } pledge
pledge-verified-label = Verified:
pledge-verified = { $name } took the { $title } pledge on { $date }.
pledge-renewed-on = It was last renewed on { $date }.
pledge-holds-until = It holds until { $date }, unless renewed.
pledge-taken-by = Taken by { $by }.
pledge-website = Website:
pledge-the-pledge = The pledge
pledge-the-badge = The badge
pledge-badge-image = The { $title } pledge badge: verified
pledge-snippet = To show the badge on your website, paste this HTML into a page. It links here, so anyone can check that the pledge still holds.
renew-title = Renew your pledge
renew-text = Press the button to renew your pledge to { $title }.
renew-button = Renew our pledge
renewed-title = Your pledge is renewed
renewed-until = Thank you. Your pledge is renewed until { $date }, and its badge stays verified.
renewed = Thank you. Your pledge is renewed, and its badge stays verified.
renew-unknown = The link is unknown, or the pledge has been renewed with it already.
renew-not-held = The pledge was withdrawn, not accepted, removed or has lapsed, so there is nothing to renew. To pledge again, take the pledge on the campaign's page.

## Countries: the rest are listed by their English names

country-gb = United Kingdom

## The badge a pledger shows on its own site

badge-pledge = Pledge
badge-verified = pledge verified
badge-not-verified = not verified
email-handin-subject = Handed in to you: { $title }
email-handin = We hand you “{ $title }”, with its signatories. The attached bundle holds the text as printable HTML, the signatories as a spreadsheet (CSV), the tally, and manifest.json, which lists each file's SHA-256. The manifest's own SHA-256 is { $hash }; the campaign's page shows the same, so anyone can check that this is the bundle handed in.

## An organiser's own account: an invitation, and a password reset

email-invitation-subject = You are invited to run campaigns on Undersigned
email-invitation = { $inviter } has invited you to run campaigns on Undersigned, the petition, letter and pledge service your organisation uses. Open the link below to choose your password. It works once, within 72 hours. If you did not expect this, ignore it: no account is made until the link is used.
email-invitation-action = Choose your password
email-reset-subject = Reset your Undersigned password
email-reset = Someone, probably you, asked to reset the password of your Undersigned account. Open the link below to choose a new one. It works once, within 30 minutes, and logs your account out everywhere. If you did not ask, ignore this email: your password stays as it is.
email-reset-action = Choose a new password

# A draft's private preview.
preview-banner = Preview — not yet open
preview-hint = Only people with this link can see this page. It looks as the public will see it once the campaign opens; signing starts then.
preview-see-form = Preview the form as other websites embed it
preview-see-card = Preview the picture a shared link shows

## Where people have signed: the map on a campaign's page, and the page about the data.
map-title = Where people have signed
map-hint = Each hexagon is a Westminster constituency (2024 boundaries), placed by the postcode each person gave. Darker means more signatures.
map-about-data = About the data
map-skip = Skip the map: the same figures as a table
map-hex = { $name }: { $count ->
    [one] { $n } signature
   *[other] { $n } signatures
}
map-fewer = Fewer
map-more = More
map-table = Every constituency with a signature ({ $n })
map-constituency = Constituency
map-mp = MP
map-signatures = Signatures
map-unknown = Postcode not placed in a constituency
about-data-title = About the data
about-data-intro = Signatures are counted by Westminster constituency (2024 boundaries), Senedd constituency (2026) and council from the postcode each person gave, looked up when they signed. Northern Ireland's postcodes are not in the open data: they count under Northern Ireland, with no constituency.
about-data-postcodes = Postcodes: { $source }.
about-data-mps = Members of Parliament as of { $date }.
about-data-attribution = Attribution
thanks-constituency = { $count ->
    [one] You are the first in { $constituency } to sign.
   *[other] { $n } people in { $constituency } have signed.
}
mp-letter-subject = { $count ->
    [one] { $n } of your constituents in { $constituency } has signed: { $title }
   *[other] { $n } of your constituents in { $constituency } have signed: { $title }
}
mp-letter-address = House of Commons, London SW1A 0AA (Member of Parliament for { $constituency })
mp-letter-dear = Dear { $mp },
mp-letter-count = { $count ->
    [one] { $n } of your constituents in { $constituency } has signed “{ $title }”.
   *[other] { $n } of your constituents in { $constituency } have signed “{ $title }”.
}
mp-letter-names = { $count ->
    [one] The constituent who agreed to be named
   *[other] The { $n } constituents who agreed to be named
}
mp-letter-unnamed = { $count ->
    [one] One more signed without agreeing to be named.
   *[other] { $n } more signed without agreeing to be named.
}
mp-letter-close = We would welcome your support, and your reply.
mp-email-to = To
mp-email-subject = Subject
