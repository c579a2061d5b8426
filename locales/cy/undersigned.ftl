# Pob gair y mae llofnodwr yn ei ddarllen, yn Gymraeg. Mae gan bob neges yr un id yn locales/en.
# Gofynnwch i siaradwr Cymraeg wirio'r geiriau hyn cyn ymgyrch.

## The language switch

switch-language = English
switch-language-label = Read this page in English

## The signing form

field-name = Enw llawn
field-email = Cyfeiriad e-bost
field-email-parent = Cyfeiriad e-bost dy riant neu dy ofalwr
field-postcode = Cod post
field-country = Gwlad
field-signatory-type = Llofnodi fel
field-organisation = Sefydliad
field-role = Rôl neu deitl swydd
field-website = Gwefan
field-public = Rhestru
field-contact = Cysylltu
field-age-band = Dy oedran
field-reason = Pam mae hyn yn bwysig i chi? (dewisol)
field-reason-shown-as = Dangos fel
field-other = Y maes hwn
hint-email-confirm = Byddwn yn anfon dolen i gadarnhau eich llofnod. Ni chaiff byth ei ddangos yn gyhoeddus.
hint-email-thanks = Byddwn yn anfon nodyn o'ch llofnod atoch drwy e-bost, gyda dolen i'w dynnu'n ôl. Ni chaiff byth ei ddangos yn gyhoeddus.
hint-email-parent = Os wyt ti o dan 13 oed, rhaid i oedolyn sy'n gofalu amdanat ti gytuno. Byddwn yn anfon dolen atyn nhw i gadarnhau, a dim byd arall. Ni fyddwn byth yn ei ddangos yn gyhoeddus.
hint-postcode = Dewisol; cyfeiriadau yn y DU yn unig.
hint-reason = Hyd at 500 nod. Efallai y byddwn yn ei ddangos ar y dudalen hon ar ôl ei ddarllen. Nid ar gyfer pobl dan 18 oed.
reason-shown-legend = Os byddwn yn dangos eich rheswm
reason-shown-name = Ei ddangos gyda fy enw cyntaf a fy etholaeth
reason-shown-anonymous = Ei ddangos heb fy enw
hint-postcode-young = Dewisol; cyfeiriadau yn y DU yn unig. Os wyt ti o dan 18 oed, dim ond y rhan gyntaf a gadwn, fel CF10.
hint-organisation = Ei angen pan fyddwch yn llofnodi ar ran sefydliad.
hint-role = Dewisol.
hint-website = Gwefan eich sefydliad, yn dechrau gyda https://. Ei hangen pan fyddwch yn addo ar ran sefydliad; mae'r rhestr gyhoeddus yn cysylltu â hi.
signing-as-legend = Rwy'n llofnodi
signing-as-individual = fel unigolyn
signing-as-organisation = ar ran sefydliad
age-legend = Faint yw dy oed di?
age-hint = Rydyn ni'n gofyn er mwyn gofalu am dy fanylion yn iawn. Rydyn ni'n cadw llai am unrhyw un o dan 18 oed, byth yn dangos eu henw, a byth yn eu hychwanegu at restrau postio.
age-under-13 = O dan 13
age-13-15 = 13 i 15
age-16-17 = 16 neu 17
age-18-plus = 18 neu'n hŷn
young-note = Os wyt ti o dan 18 oed, ni fyddwn yn dangos dy enw nac yn dy ychwanegu at restrau postio, felly nid yw'r blychau isod i ti.
honeypot-label = Gadewch hwn yn wag
button-sign = Llofnodi
button-pledge = Gwneud yr addewid
button-working = Yn anfon…
full-text = Darllenwch y testun llawn rydych yn ei lofnodi
outcome-confirm = Diolch. Edrychwch ar eich e-bost: rydym wedi anfon dolen atoch i gadarnhau eich llofnod. Bydd yn cyfrif unwaith y byddwch yn pwyso'r botwm ar y dudalen honno.
outcome-parent = Diolch. Rydyn ni wedi anfon e-bost at dy riant neu dy ofalwr. Bydd dy lofnod yn cyfrif unwaith y byddan nhw'n pwyso'r botwm yn yr e-bost hwnnw.
outcome-counted = Diolch: mae eich llofnod wedi'i gyfrif.
outcome-held = Diolch: mae eich llofnod wedi'i gofnodi. Mae'r trefnwyr yn gwirio llofnodion a anfonwyd heb JavaScript cyn eu cyfrif.
problem-summary = Mae problem
problem-rate-limited = Bu gormod o ymdrechion o'ch cysylltiad. Arhoswch funud a rhowch gynnig arall arni.
problem-closed = Mae'r ymgyrch hon wedi cau i lofnodion newydd.
problem-too-large = Roedd y ffurflen yn rhy hir i'w hanfon.
problem-unavailable = Ni allem gofnodi eich llofnod ar hyn o bryd. Rhowch gynnig arall arni ymhen ychydig funudau.
problem-other = Aeth rhywbeth o'i le. Rhowch gynnig arall arni.
problem-offline = Ni allem gyrraedd y gweinydd. Gwiriwch eich cysylltiad a rhowch gynnig arall arni.
problem-proof = Ni allem wirio mai person ydych chi. Rhowch gynnig arall arni.
campaign-closed = Mae'r ymgyrch hon wedi cau i lofnodion newydd.
form-not-open = Nid yw'r ffurflen lofnodi hon ar agor: efallai nad yw'r ymgyrch wedi dechrau eto, neu fod y cyfeiriad wedi'i deipio'n anghywir.
form-not-open-title = Dim ymgyrch yma
privacy-confirm = Defnyddir eich cyfeiriad e-bost i gadarnhau eich llofnod yn unig ac, os ydych yn cytuno uchod, gan { $organiser }. Ni chaiff byth ei ddangos yn gyhoeddus.
privacy-thanks = Defnyddir eich cyfeiriad e-bost i roi gwybod i chi am eich llofnod yn unig ac, os ydych yn cytuno uchod, gan { $organiser }. Ni chaiff byth ei ddangos yn gyhoeddus.
the-organisers = y trefnwyr
sign-title = Llofnodi: { $title }
run-by = Yn cael ei rhedeg gan { $name }.
privacy-notice = Eu hysbysiad preifatrwydd
contact = Cysylltu:
field-error-invalid = { $label }: nid yw hwn yn ddilys. Gwiriwch ef a rhowch gynnig arall arni.
field-error-required = { $label }: mae angen hwn.

## Counts

count-petition = { $count ->
    [zero] o bobl wedi llofnodi
    [one] person wedi llofnodi
    [two] berson wedi llofnodi
   *[other] o bobl wedi llofnodi
}
count-letter = { $count ->
    [one] llofnodwr hyd yma
   *[other] o lofnodwyr hyd yma
}
count-pledge = { $count ->
    [one] wedi gwneud yr addewid
   *[other] wedi gwneud yr addewid
}
count-young-line = { $count ->
    [one] Llofnododd { $n } plentyn neu berson ifanc
   *[other] Llofnododd { $n } o blant a phobl ifanc
}
count-young-few = Llofnododd llai na 10 o blant a phobl ifanc
page-reasons-title = Pam y llofnododd pobl
count-paper-line = { $count ->
    [one] Gan gynnwys { $n } llofnod a gasglwyd ar bapur
   *[other] Gan gynnwys { $n } o lofnodion a gasglwyd ar bapur
}

## The pages that links in emails open

link-unknown-title = Nid yw'r ddolen hon yn gweithio
link-unknown = Mae'r ddolen yn anhysbys neu wedi dod i ben. Os oeddech yn bwriadu llofnodi, llofnodwch eto a byddwn yn anfon dolen newydd atoch.
failure-title = Aeth rhywbeth o'i le
failure = Ni allem gwblhau hyn ar hyn o bryd. Rhowch gynnig arall arni ymhen ychydig funudau.
confirm-title = Cadarnhewch eich llofnod
confirm-text = Pwyswch y botwm i gadarnhau eich bod wedi llofnodi { $title }.
confirm-button = Cadarnhau fy llofnod
withdraw-title = Tynnu eich llofnod yn ôl
withdraw-text = Pwyswch y botwm i dynnu eich llofnod yn ôl o { $title }. Ni fydd yn cael ei gyfrif mwyach, a bydd eich manylion yn cael eu dileu.
withdraw-button = Tynnu fy llofnod yn ôl
confirmed-title = Diolch: mae eich llofnod wedi'i gadarnhau
confirmed-text = Mae eich llofnod ar { $title } bellach yn cyfrif.
thanks-ask = Mae un llais arall yn gwneud gwahaniaeth: rhannwch hi â rhywun a fyddai'n poeni.
thanks-share-button = Rhannu…
withdrawn-title = Mae eich llofnod wedi'i dynnu'n ôl
withdrawn-text = Nid yw eich llofnod ar { $title } yn cyfrif mwyach, ac mae eich manylion wedi'u dileu. Gallwch lofnodi eto unrhyw bryd.
back-to-campaign = Yn ôl i'r ymgyrch: { $title }

## Emails to signers

email-hello = Helo,
email-hello-name = Helo { $name },
email-confirm-subject = Cadarnhewch eich llofnod: { $title }
email-confirm = Diolch am lofnodi “{ $title }”. Bydd eich llofnod yn cyfrif unwaith y byddwch yn ei gadarnhau: agorwch y ddolen isod a phwyswch y botwm. Mae'r ddolen yn gweithio am 7 diwrnod. Os na wnaethoch lofnodi, anwybyddwch yr e-bost hwn ac ni fydd dim yn cael ei gyfrif.
email-confirm-action = Cadarnhau fy llofnod
email-parent-subject = Mae eich plentyn wedi gofyn am gael llofnodi: { $title }
email-parent-named = Hoffai { $name } ychwanegu ei enw at “{ $title }”, a rhoddodd y cyfeiriad hwn fel cyfeiriad ei riant neu ei ofalwr.
email-parent-unnamed = Hoffai plentyn ychwanegu ei enw at “{ $title }”, a rhoddodd y cyfeiriad hwn fel cyfeiriad ei riant neu ei ofalwr.
email-parent = Dim ond os ydych chi'n cytuno y bydd ei lofnod yn cyfrif: agorwch y ddolen isod, darllenwch yr hyn y gofynnodd am ei lofnodi, a phwyswch y botwm. Rydym yn cadw dim ond yr enw a deipiodd, rhan gyntaf ei god post os rhoddodd un, a'r cyfeiriad hwn, ac ni fyddwn byth yn dangos ei enw'n gyhoeddus nac yn anfon e-bost ato. Os nad ydych yn cytuno, anwybyddwch yr e-bost hwn ac ni fydd dim yn cael ei gyfrif.
email-parent-kept = Rydym yn dileu'r hyn a gadwn amdano { $days } diwrnod ar ôl i'r ymgyrch gau.
email-parent-action = Rwy'n cytuno: cadarnhau ei lofnod
email-thanks-subject = Diolch am lofnodi: { $title }
email-thanks = Diolch am lofnodi “{ $title }”. Mae eich llofnod wedi'i gyfrif.
email-already-subject = Rydych eisoes wedi llofnodi: { $title }
email-already = Ceisiodd rhywun (chi, mae'n debyg) lofnodi “{ $title }” eto gyda'r cyfeiriad hwn. Roeddech eisoes wedi llofnodi, ac mae eich llofnod yn cael ei gyfrif unwaith.
email-withdraw = Wedi newid eich meddwl? Tynnwch eich llofnod yn ôl yma: { $link }
email-withdraw-html = Wedi newid eich meddwl?
email-withdraw-link = Tynnu eich llofnod yn ôl
email-run-by = Mae'r ymgyrch hon yn cael ei rhedeg gan { $name }.
email-privacy = Sut maen nhw'n defnyddio eich manylion: { $url }
email-reach = I gysylltu â nhw, ysgrifennwch at { $email }.

## Campaign pages and the index

page-campaigns = Ymgyrchoedd
page-share-title = Rhannwch yr ymgyrch hon
page-share-by = Rhannu drwy { $name }
page-share-email = E-bost
page-new-tab = (yn agor mewn tab newydd)
page-address = Cyfeiriad y dudalen
page-copy = Copïo'r ddolen
page-qr = Ar gyfer posteri a thaflenni: cod QR o'r cyfeiriad,
page-qr-svg = fel SVG
page-qr-or = neu
page-qr-png = fel PNG
page-organisations = { $count ->
    [one] { $n } sefydliad
   *[other] { $n } o sefydliadau
}
page-individuals = { $count ->
    [one] { $n } unigolyn
   *[other] { $n } o unigolion
}
page-letter-headline = Mae { $organisations } a { $individuals } wedi llofnodi
page-pledge-headline = Mae { $organisations } a { $individuals } wedi gwneud yr addewid
page-signed-by = Wedi'i llofnodi gan
page-taken-by = Wedi'i wneud gan
page-organisations-heading = Sefydliadau
page-individuals-heading = Unigolion
page-verify = gwirio
page-verify-whose = addewid { $title }
page-handins-title = Wedi'i chyflwyno
page-handin = Cyflwynwyd ar { $date } gyda { $count ->
    [one] { $n } llofnod
   *[other] { $n } o lofnodion
}. SHA-256 ei maniffest:
page-handins-hint = Gall unrhyw un sy'n cael y bwndel ei wirio: SHA-256 ei manifest.json yw'r un a ddangosir yma.
page-to = At: { $recipient }
page-text-changed = Newidiwyd ddiwethaf ar { $date }.
page-text-earlier = Fersiynau cynharach, y mae eu llofnodwyr yn eu cadw:
page-text-version = fersiwn { $version } (llofnodwyd gan { $n })
page-version-title = { $title } (fersiwn { $version })
page-version-notice = Dyma fersiwn { $version } o destun yr ymgyrch hon, fel y'i rhoddwyd i lofnodwyr o { $from } tan { $until }: mae { $n } o lofnodion yn ei gadw.
page-version-current = Darllenwch y fersiwn gyfredol.
page-target = Tuag at darged o { $target }
page-closed-note = Caeodd yr ymgyrch hon ar { $date } gyda { $count ->
    [one] { $n } llofnod
   *[other] { $n } o lofnodion
}.
page-outcome = Canlyniad: { $subject }
page-call-sign = Ychwanegwch eich enw
page-call-pledge = Gwneud yr addewid
page-not-found-title = Dim ymgyrch yma
page-not-found = Nid yw'r ymgyrch hon yn bodoli neu nid yw wedi agor eto. Efallai fod y cyfeiriad wedi'i deipio'n anghywir.
page-see-open = Gweld yr ymgyrchoedd agored
page-preview-alt = { $title }, gyda'i nifer o lofnodion
index-open = Ymgyrchoedd agored
index-closed = Ymgyrchoedd sydd wedi cau
index-none-open = Nid oes unrhyw ymgyrchoedd agored ar hyn o bryd.
index-none-closed = Nid oes unrhyw ymgyrchoedd wedi cau ar hyn o bryd.
index-description = Deisebau a llythyrau agored dros hawliau plant.
index-count-petition = { $count ->
    [one] llofnod
   *[other] o lofnodion
}
index-count-letter = { $count ->
    [one] llofnodwr
   *[other] o lofnodwyr
}
index-count-pledge = { $count ->
    [one] addewid wedi'i gwneud
   *[other] o addewidion wedi'u gwneud
}
month-1 = Ionawr
month-2 = Chwefror
month-3 = Mawrth
month-4 = Ebrill
month-5 = Mai
month-6 = Mehefin
month-7 = Gorffennaf
month-8 = Awst
month-9 = Medi
month-10 = Hydref
month-11 = Tachwedd
month-12 = Rhagfyr

## Updates to signers, and their unsubscribe page

unsubscribe-unknown = Nid yw'r ddolen yn un o'n rhai ni. I atal negeseuon e-bost ymgyrch, defnyddiwch y ddolen ar waelod un ohonynt.
unsubscribe-title = Dad-danysgrifio
unsubscribe-text = Pwyswch y botwm i beidio â chael rhagor o newyddion am yr ymgyrch hon. Mae eich llofnod yn dal i gyfrif.
unsubscribe-button = Dad-danysgrifio
unsubscribed-title = Rydych wedi dad-danysgrifio
unsubscribed-text = Ni fyddwch yn cael rhagor o newyddion am { $title }. Mae eich llofnod yn dal i gyfrif.
email-update-footer = Rydych yn cael hwn am eich bod wedi llofnodi “{ $title }”. I beidio â chael rhagor o newyddion amdani: { $link }
email-update-footer-html = Rydych yn cael hwn am eich bod wedi llofnodi “{ $title }”.
email-update-unsubscribe = Dad-danysgrifio o'i newyddion
email-test-subject = [Prawf]
email-test-note = Prawf yw hwn, wedi’i anfon atoch chi yn unig. Mae copi pob llofnodwr yn eu cyfarch wrth eu henw, ac mae ei ddolen dad-danysgrifio yn gweithio iddyn nhw; nid yw’r ddolen yn hwn yn dad-danysgrifio neb.

## A pledge's renewal

email-renew-subject = Adnewyddwch eich addewid: { $title }
email-renew = Mae eich addewid “{ $title }” i'w hadnewyddu a bydd yn dod i ben o fewn y mis oni bai ei bod yn cael ei hadnewyddu. Agorwch y ddolen isod a phwyswch y botwm i'w hadnewyddu. Nid yw addewid sydd wedi dod i ben yn cael ei rhestru na'i chyfrif mwyach, ac mae ei bathodyn yn dangos “heb ei gwirio”.
email-renew-action = Adnewyddu ein haddewid
email-badge-subject = Mae eich addewid wedi'i dilysu: { $title }
email-badge-intro = Diolch am wneud yr addewid “{ $title }”. Mae wedi'i chymeradwyo: mae gan eich addewid dudalen sy'n ei dilysu, a bathodyn i'ch gwefan.
email-badge-image = Bathodyn yr addewid
email-badge-paste = I ddangos y bathodyn ar eich gwefan, gludwch hwn i HTML tudalen (yn WordPress, i floc HTML Personol). Mae'n cysylltu â thudalen eich addewid, ac yn dweud “heb ei dilysu” os daw'r addewid i ben.
email-badge-holds-for-good = Mae eich addewid yn dal nes i chi ei thynnu'n ôl.
email-badge-holds-months = Mae eich addewid yn dal am { $months } mis. Fis cyn iddi ddod i ben, byddwn yn anfon dolen atoch i'w hadnewyddu.
email-badge-action = Gweld tudalen eich addewid

## The standard words beside the consent boxes (a campaign's own words replace them)

consent-public-petition = Dangos fy enw ar y rhestr gyhoeddus o bobl a lofnododd.
consent-public-letter = Rhestru fy enw, fy rôl a fy sefydliad yn gyhoeddus fel un o lofnodwyr y llythyr hwn.
consent-public-pledge = Rhestru'r addewid hon yn gyhoeddus: ein sefydliad (neu fy enw), rôl a gwefan, gyda thudalen sy'n ei gwirio.
consent-contact = Anfonwch e-bost ataf am yr ymgyrch hon a gwaith arall gan { $organiser }. Gallaf ddad-danysgrifio unrhyw bryd.
consent-contact-unnamed = Anfonwch e-bost ataf am yr ymgyrch hon a gwaith cysylltiedig y trefnwyr. Gallaf ddad-danysgrifio unrhyw bryd.
consent-soft = Gall { $organiser } anfon e-bost atoch am yr ymgyrch hon a'u gwaith cysylltiedig. Dad-diciwch y blwch hwn os byddai'n well gennych iddynt beidio.
consent-soft-unnamed = Gall y trefnwyr anfon e-bost atoch am yr ymgyrch hon a'u gwaith cysylltiedig. Dad-diciwch y blwch hwn os byddai'n well gennych iddynt beidio.

## A pledger's verification page, and the page a renewal link opens

pledge-none-title = Dim addewid wedi'i gwirio yma
pledge-none = Nid yw'r cyfeiriad hwn yn addewid sydd wedi'i gwneud a'i gwirio. Caiff addewid ei rhestru yma unwaith y bydd yr addäwr wedi'i chadarnhau a threfnwyr yr ymgyrch wedi'i derbyn.
pledge-see-campaigns = Gweld yr ymgyrchoedd
pledge-badge-alt = Mae { $name } wedi gwneud addewid { $title }: gwiriwch hi
pledge-about = Am addewid { $title }
pledge-whose = Addewid { $name }
pledge-this = Mae'r addewid hon
pledge-ended-title = Nid yw'r addewid hon yn dal mwyach
pledge-ended = { $who } i { $title } { $ending }. Nid yw wedi'i gwirio, ac mae bathodyn sy'n cysylltu yma yn dangos “heb ei gwirio”.
ending-withdrawn = wedi'i thynnu'n ôl gan ei haddäwr
ending-rejected = heb ei derbyn gan drefnwyr yr ymgyrch
ending-erased = wedi'i dileu ar gais ei haddäwr
ending-lapsed-on = wedi dod i ben ar { $date }: ni chafodd ei hadnewyddu
ending-lapsed = wedi dod i ben: ni chafodd ei hadnewyddu
pledge-a-pledger = Addäwr
pledge-took = Gwnaeth { $name } addewid { $title }
pledge-verified-label = Wedi'i gwirio:
pledge-verified = Gwnaeth { $name } addewid { $title } ar { $date }.
pledge-renewed-on = Fe'i hadnewyddwyd ddiwethaf ar { $date }.
pledge-holds-until = Mae'n dal tan { $date }, oni bai ei bod yn cael ei hadnewyddu.
pledge-taken-by = Wedi'i gwneud gan { $by }.
pledge-website = Gwefan:
pledge-the-pledge = Yr addewid
pledge-the-badge = Y bathodyn
pledge-badge-image = Bathodyn addewid { $title }: wedi'i gwirio
pledge-snippet = I ddangos y bathodyn ar eich gwefan, gludwch yr HTML hwn i mewn i dudalen. Mae'n cysylltu yma, felly gall unrhyw un wirio bod yr addewid yn dal.
renew-title = Adnewyddwch eich addewid
renew-text = Pwyswch y botwm i adnewyddu eich addewid i { $title }.
renew-button = Adnewyddu ein haddewid
renewed-title = Mae eich addewid wedi'i hadnewyddu
renewed-until = Diolch. Mae eich addewid wedi'i hadnewyddu tan { $date }, ac mae ei bathodyn yn dal wedi'i wirio.
renewed = Diolch. Mae eich addewid wedi'i hadnewyddu, ac mae ei bathodyn yn dal wedi'i wirio.
renew-unknown = Mae'r ddolen yn anhysbys, neu mae'r addewid eisoes wedi'i hadnewyddu gyda hi.
renew-not-held = Cafodd yr addewid ei thynnu'n ôl, heb ei derbyn, ei dileu neu mae wedi dod i ben, felly nid oes dim i'w adnewyddu. I addo eto, gwnewch yr addewid ar dudalen yr ymgyrch.

## Countries: the rest are listed by their English names

country-gb = Y Deyrnas Unedig

## The badge a pledger shows on its own site

badge-pledge = Addewid
badge-verified = addewid wedi'i gwirio
badge-not-verified = heb ei gwirio
email-handin-subject = Wedi'i gyflwyno i chi: { $title }
email-handin = Rydym yn cyflwyno “{ $title }” i chi, gyda'i lofnodwyr. Mae'r bwndel sydd ynghlwm yn cynnwys y testun fel HTML i'w argraffu, y llofnodwyr fel taenlen (CSV), y cyfrif, a manifest.json, sy'n rhestru SHA-256 pob ffeil. SHA-256 y maniffest ei hun yw { $hash }; mae tudalen yr ymgyrch yn dangos yr un peth, fel y gall unrhyw un wirio mai dyma'r bwndel a gyflwynwyd.

## An organiser's own account: an invitation, and a password reset

email-invitation-subject = Fe'ch gwahoddir i redeg ymgyrchoedd ar Undersigned
email-invitation = Mae { $inviter } wedi eich gwahodd i redeg ymgyrchoedd ar Undersigned, y gwasanaeth deisebau, llythyrau ac addewidion y mae eich sefydliad yn ei ddefnyddio. Agorwch y ddolen isod i ddewis eich cyfrinair. Mae'n gweithio unwaith, o fewn 72 awr. Os nad oeddech yn disgwyl hyn, anwybyddwch ef: ni chaiff cyfrif ei wneud nes bydd y ddolen yn cael ei defnyddio.
email-invitation-action = Dewis eich cyfrinair
email-reset-subject = Ailosod eich cyfrinair Undersigned
email-reset = Gofynnodd rhywun, chi mae'n debyg, am ailosod cyfrinair eich cyfrif Undersigned. Agorwch y ddolen isod i ddewis un newydd. Mae'n gweithio unwaith, o fewn 30 munud, ac mae'n allgofnodi eich cyfrif ym mhob man. Os na wnaethoch ofyn, anwybyddwch yr e-bost hwn: bydd eich cyfrinair yn aros fel y mae.
email-reset-action = Dewis cyfrinair newydd

# A draft's private preview.
preview-banner = Rhagolwg — heb agor eto
preview-hint = Dim ond pobl sydd â'r ddolen hon sy'n gallu gweld y dudalen hon. Mae'n edrych fel y bydd y cyhoedd yn ei gweld pan fydd yr ymgyrch yn agor; bydd llofnodi'n dechrau bryd hynny.
preview-see-form = Rhagweld y ffurflen fel y mae gwefannau eraill yn ei mewnosod
preview-see-card = Rhagweld y llun y mae dolen a rennir yn ei ddangos

## Where people have signed: the map on a campaign's page, and the page about the data.
map-title = Ble mae pobl wedi llofnodi
map-hint = Mae pob hecsagon yn etholaeth San Steffan (ffiniau 2024), yn ôl y cod post a roddodd pob person. Po dywyllaf, y mwyaf o lofnodion.
map-about-data = Am y data
map-skip = Neidio heibio'r map: yr un ffigurau mewn tabl
map-hex = { $name }: { $count ->
    [one] { $n } llofnod
   *[other] { $n } o lofnodion
}
map-fewer = Llai
map-more = Mwy
map-table = Pob etholaeth â llofnod ({ $n })
map-constituency = Etholaeth
map-mp = AS
map-signatures = Llofnodion
map-unknown = Cod post heb ei osod mewn etholaeth
about-data-title = Am y data
about-data-intro = Caiff llofnodion eu cyfrif fesul etholaeth San Steffan (ffiniau 2024), etholaeth y Senedd (2026) a chyngor o'r cod post a roddodd pob person, a chwiliwyd pan lofnodon nhw. Nid yw codau post Gogledd Iwerddon yn y data agored: maent yn cyfrif dan Ogledd Iwerddon, heb etholaeth.
about-data-postcodes = Codau post: { $source }.
about-data-mps = Aelodau Seneddol ar { $date }.
about-data-attribution = Cydnabyddiaeth
thanks-constituency = { $count ->
    [one] Chi yw'r cyntaf yn { $constituency } i lofnodi.
   *[other] Mae { $n } o bobl yn { $constituency } wedi llofnodi.
}
mp-letter-subject = { $count ->
    [one] Mae { $n } o'ch etholwyr yn { $constituency } wedi llofnodi: { $title }
   *[other] Mae { $n } o'ch etholwyr yn { $constituency } wedi llofnodi: { $title }
}
mp-letter-address = Tŷ'r Cyffredin, Llundain SW1A 0AA (Aelod Seneddol dros { $constituency })
mp-letter-dear = Annwyl { $mp },
mp-letter-count = { $count ->
    [one] Mae { $n } o'ch etholwyr yn { $constituency } wedi llofnodi “{ $title }”.
   *[other] Mae { $n } o'ch etholwyr yn { $constituency } wedi llofnodi “{ $title }”.
}
mp-letter-names = { $count ->
    [one] Yr etholwr a gytunodd i gael ei enwi
   *[other] Y { $n } o etholwyr a gytunodd i gael eu henwi
}
mp-letter-unnamed = { $count ->
    [one] Llofnododd un arall heb gytuno i gael ei enwi.
   *[other] Llofnododd { $n } arall heb gytuno i gael eu henwi.
}
mp-letter-close = Byddem yn croesawu eich cefnogaeth, a'ch ateb.
mp-email-to = At
mp-email-subject = Pwnc
