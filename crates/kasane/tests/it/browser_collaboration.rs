//! Step 3 in a real browser (headless Chromium over WebDriver): one 8050 household walks the
//! whole 多機関協働 flow of 大仙市, through the pages only.
//!
//! 1. 高齢者包括支援センター records the intake of an 80-year-old mother (a new household
//!    with her as head) and of her 52-year-old son, who has withdrawn from society for
//!    years (outcome 「多機関協働へ」); with the son added as her child, the household page
//!    derives the 8050 signal.
//! 2. The coordinator (社会福祉協議会) opens a case from the escalated intake on the
//!    worklist, adds involved agencies, moves it to アセスメント and saves the sheet.
//! 3. 社会福祉課 registers the 支援会議 (「つながる・ささえる」ネットワーク会議) with its
//!    members; they acknowledge confidentiality; the coordinator puts the case on the agenda
//!    WITHOUT consent and records the minutes; 自立相談支援機関, a member and not involved in
//!    the case, reads it on the 支援会議 basis.
//! 4. The son's 本人同意 (重層的支援会議, three agencies) makes the case page offer
//!    「重層的支援会議へ移す」; the move creates a 重層的支援会議 and takes the case off the
//!    支援会議 agenda — 自立相談支援機関's access ends with it.
//! 5. In the 重層的支援会議: roles for three agencies and the minutes; プラン作成; a plan with
//!    a monitoring date and actions for the three agencies, approved in the meeting; 支援中,
//!    then モニタリング.
//! 6. One monitoring round (from the worklist), the evaluation (next step 終結), closure
//!    with 目標達成; the case page shows 終結 and the whole history.
//! 7. The printable plan and 同意書 are rendered with the print styles at A4 width to PNG
//!    (and printed to PDF by Chromium) for a person to look at.
//!
//! Screenshots: `target/screenshots/step3-*.png`.

use crate::common::browser::{
    Field, assert_all, body_text, browser, choose, click, click_xpath, fill, fill_form, goto,
    id_in_url, login, logout, screenshot_dir, screenshot_full, screenshot_print, text_of,
    text_of_xpath, wait_css, wait_for_title, wait_xpath,
};
use crate::common::{Engine, TestApp, spawn_app};
use chrono::{Months, NaiveDate, TimeDelta, Utc};
use fantoccini::{Client, Locator};
use kasane_domain::wareki::format_wareki;

/// Waits for a page whose `<h1>` starts with `title`.
async fn wait_for_title_prefix(client: &Client, title: &str) {
    client
        .wait()
        .for_element(Locator::XPath(&format!(
            "//h1[starts-with(normalize-space(), '{title}')]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no page titled {title}…: {e}"));
}

/// The case page's status (the `<strong>` after 状態).
async fn case_status(client: &Client) -> String {
    text_of_xpath(client, "//dt[.='状態']/following-sibling::dd[1]/strong").await
}

/// On the case page: presses the status button `event` (e.g. `advance:planning`) and
/// checks the new status.
async fn move_case(client: &Client, event: &str, expected: &str) {
    click(
        client,
        &format!("#status button[name=event][value='{event}']"),
    )
    .await;
    client
        .wait()
        .for_element(Locator::XPath(&format!(
            "//dt[.='状態']/following-sibling::dd[1]/strong[.='{expected}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("case did not move to {expected}: {e}"));
}

/// Waits until nothing matches `css` any more (the page after a form was sent).
async fn wait_gone(client: &Client, css: &str) {
    for _ in 0..100 {
        if client.find_all(Locator::Css(css)).await.unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} is still there");
}

/// Opens the 「会議録・役割分担を記録する」 fold of the (only current) agenda case.
async fn open_agenda_forms(client: &Client) {
    click(client, "li.agenda-item details > summary").await;
}

/// On a meeting page: adds `agency` as a member with its attendee and waits for the row.
async fn add_member(client: &Client, agency: i64, attendee: &str) {
    choose(
        client,
        "form[action$='/members'] select[name=agency_id]",
        &agency.to_string(),
    )
    .await;
    fill(client, "input[name=attendee_name]", attendee).await;
    click(client, "form[action$='/members'] button[type=submit]").await;
    wait_xpath(
        client,
        &format!("//table[contains(@class,'members')]//td[.='{attendee}']"),
    )
    .await;
}

/// On a meeting page: acknowledges confidentiality for `agency` and waits for its button
/// to go.
async fn acknowledge(client: &Client, agency: i64) {
    let form = format!("form[action$='/members/{agency}/acknowledge']");
    click(client, &format!("{form} button")).await;
    wait_gone(client, &form).await;
}

/// On a meeting page, with the agenda case's forms open: records the minutes (with a
/// screenshot of the filled form as `shot`, if given).
async fn record_minutes(client: &Client, discussion: &str, decisions: &str, shot: Option<&str>) {
    fill(
        client,
        "form[action$='/minutes'] textarea[name=discussion]",
        discussion,
    )
    .await;
    fill(
        client,
        "form[action$='/minutes'] textarea[name=decisions]",
        decisions,
    )
    .await;
    if let Some(name) = shot {
        screenshot_full(client, name).await;
    }
    click(client, "form[action$='/minutes'] button[type=submit]").await;
    wait_xpath(client, "//dt[.='協議の内容']").await;
}

/// Prints the current page to PDF (A4) with Chromium, saves it and returns its page count.
async fn print_pdf(client: &Client, name: &str) -> usize {
    let config = fantoccini::wd::PrintConfiguration::builder()
        .build()
        .unwrap();
    let pdf = client.print(config).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "a real PDF");
    std::fs::write(screenshot_dir().join(name), &pdf).unwrap();
    let text = String::from_utf8_lossy(&pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// Today in Japan (the app's calendar).
fn today_jst() -> NaiveDate {
    (Utc::now() + TimeDelta::hours(9)).date_naive()
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn user_id(app: &TestApp, username: &str) -> String {
    app.store
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_8050_household_through_collaboration_in_the_browser() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let shakyo = app.agency_id("daisen", "shakyo").await;
    let houkatsu = app.agency_id("daisen", "houkatsu").await;
    let kikan = app.agency_id("daisen", "kikan_sodan").await;
    let jiritsu = app.agency_id("daisen", "jiritsu_sodan").await;
    let fukushi = app.agency_id("daisen", "shakai_fukushi_ka").await;
    let today = today_jst();
    // Born 80 years and a month ago (and 52 years and a month ago): the ages are exact.
    let mother_born = today.checked_sub_months(Months::new(80 * 12 + 1)).unwrap();
    let son_born = today.checked_sub_months(Months::new(52 * 12 + 1)).unwrap();

    // ------------------------------------------------------------------------------------
    // 1. 高齢者包括支援センター: the mother (new household), the son (escalated), 8050.
    login(&client, &app, "daisen.houkatsu").await;
    goto(&client, &app, "/intakes/new").await;
    wait_for_title(&client, "相談を受け付ける").await;
    fill_form(
        &client,
        &[
            Field::Text("name", "角館 キヨ"),
            Field::Text("furigana", "カクノダテ キヨ"),
            Field::Text("birth_date", &iso(mother_born)),
            Field::Select("sex", "female"),
            Field::Text("phone", "0187-00-8050"),
            Field::Text("address", "大仙市大曲字見本80-50"),
            Field::Select("district", "omagari"),
            Field::Tick("new_household", ""),
            Field::Tick("issues", "care"),
            Field::Tick("concerns", "family_relations"),
            Field::Tick("most_pressing", "issue-care"),
            Field::Tick("consent_to_share", "yes"),
            Field::Area("summary", "足腰が弱り通院が難しくなってきた。同居の長男(52歳)は20年以上ほとんど外出せず、自分が倒れたら長男がどうなるか心配と来所。"),
        ],
    )
    .await;
    screenshot_full(&client, "step3-01-mother-intake-form.png").await;
    click(&client, "form.intake button[type=submit]").await;
    wait_for_title(&client, "角館 キヨ").await;
    let mother = id_in_url(&client, "/persons/").await;
    let household_link = client
        .find(Locator::Css("a[href^='/households/']"))
        .await
        .unwrap();
    assert!(
        household_link.text().await.unwrap().starts_with("世帯 #"),
        "the intake started a household"
    );
    assert!(body_text(&client).await.contains("(世帯主)"));
    household_link.click().await.unwrap();
    wait_css(&client, "form[action$='/members']").await;
    let household = id_in_url(&client, "/households/").await;

    // The son, as a new person: his intake goes to 多機関協働.
    goto(&client, &app, "/intakes/new").await;
    wait_for_title(&client, "相談を受け付ける").await;
    fill_form(
        &client,
        &[
            Field::Text("name", "角館 誠"),
            Field::Text("furigana", "カクノダテ マコト"),
            Field::Text("birth_date", &iso(son_born)),
            Field::Select("sex", "male"),
            Field::Text("address", "大仙市大曲字見本80-50"),
            Field::Select("district", "omagari"),
            Field::Select("channel", "home_visit"),
            Field::Select("consulter_kind", "family"),
            Field::Text("consulter_name", "角館 キヨ"),
            Field::Text("consulter_relation", "母"),
            Field::Tick("issues", "hikikomori"),
            Field::Tick("issues", "employment"),
            Field::Tick("issues", "poverty"),
            Field::Tick("most_pressing", "issue-hikikomori"),
            Field::Tick("consent_to_share", "yes"),
            Field::Area("summary", "訪問時に本人と短く会話できた。30歳で離職後ほぼ自室で過ごす。収入は母の年金のみ。母の介護と本人の今後の生活について、複数の機関で支える必要がある。"),
            Field::Select("outcome", "escalated"),
        ],
    )
    .await;
    click(&client, "form.intake button[type=submit]").await;
    wait_for_title(&client, "角館 誠").await;
    let son = id_in_url(&client, "/persons/").await;
    assert_ne!(son, mother);
    assert_all(
        &body_text(&client).await,
        &["カクノダテ マコト", "多機関協働へ"],
    );

    // The son joins his mother's household as her child: the page derives 8050.
    goto(&client, &app, &format!("/households/{household}")).await;
    fill(&client, "fieldset.picker input[name=pick_q]", "かくのだて").await;
    let choice = format!("fieldset.picker input[name=person_id][value='{son}']");
    wait_css(&client, &choice).await;
    click(&client, &choice).await;
    choose(&client, "select[name=relationship]", "child").await;
    // (The picker's 「検索」 sits in the form too, belonging to its own GET form.)
    click_xpath(
        &client,
        "//form[contains(@action, '/members')]//button[.='追加']",
    )
    .await;
    wait_xpath(
        &client,
        "//ul[@class='signals']/li[contains(., '8050世帯')]",
    )
    .await;
    let signals = text_of(&client, "ul.signals").await;
    assert_all(
        &signals,
        &["8050世帯", "80歳の親と52歳の子", "引きこもり", "就労"],
    );
    let members = body_text(&client).await;
    assert_all(
        &members,
        &["角館 キヨ (世帯主)", "角館 誠", "子", "80歳", "52歳"],
    );
    screenshot_full(&client, "step3-02-household-8050.png").await;
    logout(&client).await;

    // ------------------------------------------------------------------------------------
    // 2. The coordinator opens the case from the worklist, with agencies; アセスメント.
    login(&client, &app, "daisen.coordinator").await;
    let worklist = text_of(&client, "section.card:has(#worklist)").await;
    assert_all(
        &worklist,
        &[
            "多機関協働へ上がった相談",
            "角館 誠さん — 高齢者包括支援センター",
        ],
    );
    click_xpath(
        &client,
        "//section[.//*[@id='worklist']]//li[contains(., '角館 誠さん')]//a[contains(@href, '/cases/new?intake_id=')]",
    )
    .await;
    wait_for_title(&client, "ケースを開く").await;
    assert_all(&body_text(&client).await, &["角館 誠", "相談受付 #"]);
    choose(&client, "select[name=lead_agency_id]", &shakyo.to_string()).await;
    click(
        &client,
        &format!("input[name=agencies][value='{houkatsu}']"),
    )
    .await;
    fill(
        &client,
        "textarea[name=summary]",
        "8050世帯。母(80歳)の介護と、長期にひきこもる長男(52歳)の生活・就労・家計を、包括・基幹・社協で支える。",
    )
    .await;
    screenshot_full(&client, "step3-03-case-open-form.png").await;
    click(&client, "form[action='/cases/new'] button[type=submit]").await;
    wait_for_title_prefix(&client, "ケース #").await;
    let case = id_in_url(&client, "/cases/").await;
    assert_eq!(case_status(&client).await, "受付");
    let page = body_text(&client).await;
    assert_all(
        &page,
        &[
            "角館 誠",
            "多機関協働 関与中",
            "大仙市社会福祉協議会",
            "高齢者包括支援センター",
            "本人同意は記録されていません。",
        ],
    );
    // A third agency joins on the case page.
    choose(
        &client,
        "form[action$='/agencies'] select[name=agency_id]",
        &kikan.to_string(),
    )
    .await;
    click(&client, "form[action$='/agencies'] button[type=submit]").await;
    wait_xpath(
        &client,
        "//table//td[normalize-space()='基幹相談支援センター']",
    )
    .await;
    move_case(&client, "advance:assessment", "アセスメント").await;

    goto(&client, &app, &format!("/cases/{case}/assessment")).await;
    wait_for_title(&client, "アセスメント").await;
    for (field, text) in [
        (
            "wishes",
            "「母に迷惑をかけたくない。人と会うのは怖いが、家でできる仕事なら考えたい」",
        ),
        (
            "household",
            "母(80歳・要支援相当)と二人暮らし。父は10年前に死亡。親族は県外の妹のみ。",
        ),
        ("health", "本人は未受診。昼夜逆転。母は膝の痛みで通院困難。"),
        (
            "income_debt",
            "母の年金(月9万円)のみ。公共料金の滞納が2か月分。",
        ),
        ("housing", "持ち家(築45年)。冬の除雪が負担。"),
        (
            "daily_life",
            "母が家事全般。本人は夜間にコンビニへ行く程度。",
        ),
        (
            "social_ties",
            "地区の民生委員が見守り。本人の友人関係は途絶えている。",
        ),
        ("strengths", "パソコンが得意。母との関係は良好。"),
        (
            "risk_note",
            "母が倒れた場合、本人が一人で生活できず孤立死のおそれ。",
        ),
        (
            "agencies_involved",
            "高齢者包括支援センター(母)、基幹相談支援センター(本人)",
        ),
    ] {
        fill(&client, &format!("textarea[name={field}]"), text).await;
    }
    click(&client, "input[name=risks][value=lonely_death]").await;
    for issue in ["hikikomori", "employment", "poverty", "care"] {
        click(&client, &format!("input[name=issues][value={issue}]")).await;
    }
    screenshot_full(&client, "step3-04-assessment-form.png").await;
    click(&client, "form[action$='/assessment'] button[type=submit]").await;
    wait_for_title(&client, "アセスメントの版の履歴").await;
    assert_all(
        &body_text(&client).await,
        &["第1版", "佐々木 美穂(大仙市社会福祉協議会)"],
    );
    logout(&client).await;

    // ------------------------------------------------------------------------------------
    // 3. 社会福祉課 registers the 支援会議 and its members; confidentiality acknowledged.
    let support_name = "「つながる・ささえる」ネットワーク会議";
    let multilayer_name = "「つながる・ささえる」支援会議";
    login(&client, &app, "daisen.fukushi").await;
    goto(&client, &app, "/meetings/new?kind=support_meeting").await;
    wait_for_title(&client, "会議を登録").await;
    fill(&client, "input[name=place]", "大仙市役所 第2会議室").await;
    fill(
        &client,
        "input[name=next_review_on]",
        &iso(today + TimeDelta::days(28)),
    )
    .await;
    click(&client, "form[action='/meetings/new'] button[type=submit]").await;
    let support_title = format!("{support_name}({})", format_wareki(today));
    wait_for_title(&client, &support_title).await;
    let support = id_in_url(&client, "/meetings/").await;
    let page = body_text(&client).await;
    assert_all(
        &page,
        &[
            "支援会議(法106条の6)",
            "社会福祉課",
            "非公開(会議録は守秘義務を確認した構成員と主催機関のみ)",
        ],
    );
    for (agency, attendee) in [
        (shakyo, "佐々木 美穂"),
        (houkatsu, "高橋 健一"),
        (kikan, "伊藤 由美"),
        (jiritsu, "工藤 真理子"),
    ] {
        add_member(&client, agency, attendee).await;
    }
    // The host for itself, and (as the meeting's manager) for two members who confirmed
    // in writing.
    for agency in [fukushi, houkatsu, kikan] {
        acknowledge(&client, agency).await;
    }
    let members = text_of(&client, "table.members").await;
    assert_eq!(members.matches("確認済").count(), 3, "{members}");
    assert_eq!(members.matches("未確認").count(), 2, "{members}");
    // The host cannot read the case, so it cannot put it on the agenda: no candidates.
    assert!(!body_text(&client).await.contains("角館 誠"));
    logout(&client).await;

    // The coordinator acknowledges for 社協, puts the case on the agenda without consent,
    // and records the minutes.
    login(&client, &app, "daisen.coordinator").await;
    goto(&client, &app, &format!("/meetings/{support}")).await;
    wait_for_title(&client, &support_title).await;
    acknowledge(&client, shakyo).await;
    choose(
        &client,
        "form[action$='/agenda'] select[name=case_id]",
        &case.to_string(),
    )
    .await;
    click(&client, "form[action$='/agenda'] button[type=submit]").await;
    wait_css(&client, "li.agenda-item").await;
    let agenda = text_of(&client, "ul.agenda").await;
    assert_all(
        &agenda,
        &["角館 誠", "議題", "会議録はまだ記録されていません。"],
    );
    open_agenda_forms(&client).await;
    record_minutes(
        &client,
        "包括より母の状況、訪問時の本人の様子を報告。本人は支援に拒否的ではないが、会議での情報共有への同意はまだ得られていない。",
        "社協と包括が同行訪問し、本人に重層的支援会議での共有について説明して同意を求める。同意が得られれば重層的支援会議へ移す。",
        Some("step3-05-support-meeting-minutes-form.png"),
    )
    .await;
    assert_all(
        &text_of(&client, "ul.agenda").await,
        &["同行訪問し", "同意が得られれば重層的支援会議へ移す"],
    );
    // No consent yet: the case page does not offer the move.
    goto(&client, &app, &format!("/cases/{case}")).await;
    let page = body_text(&client).await;
    assert!(!page.contains("重層的支援会議へ移す"), "{page}");
    assert_all(&page, &["本人同意は記録されていません。", support_name]);
    logout(&client).await;

    // 自立相談支援機関 is a member, not involved in the case: after acknowledging, it reads
    // the case on the 支援会議 basis, and the (closed) minutes.
    login(&client, &app, "daisen.jiritsu").await;
    goto(&client, &app, &format!("/cases/{case}")).await;
    wait_for_title(&client, "見つかりません").await;
    goto(&client, &app, &format!("/meetings/{support}")).await;
    wait_for_title(&client, &support_title).await;
    assert!(
        body_text(&client).await.contains("閲覧できないケース"),
        "before acknowledging, the agenda case stays closed to the member"
    );
    click(
        &client,
        &format!("form[action$='/members/{jiritsu}/acknowledge'] button"),
    )
    .await;
    wait_xpath(&client, "//li[@class='agenda-item']//a[.='角館 誠']").await;
    assert_all(
        &text_of(&client, "ul.agenda").await,
        &["同意が得られれば重層的支援会議へ移す"],
    );
    screenshot_full(&client, "step3-06-support-meeting-member.png").await;
    click_xpath(&client, "//li[@class='agenda-item']//a[.='角館 誠']").await;
    wait_for_title_prefix(&client, "ケース #").await;
    assert_all(
        &body_text(&client).await,
        &["閲覧の根拠: 支援会議(法106条の6)", "アセスメント"],
    );
    logout(&client).await;

    // ------------------------------------------------------------------------------------
    // 4. The son's consent; the case page offers the move; to a new 重層的支援会議.
    login(&client, &app, "daisen.coordinator").await;
    goto(&client, &app, &format!("/cases/{case}")).await;
    click(&client, &format!("a[href='/cases/{case}/consents/new']")).await;
    wait_for_title(&client, "本人同意を記録する").await;
    assert_all(&body_text(&client).await, &["角館 誠", "ケース #"]);
    for agency in [shakyo, houkatsu, kikan] {
        click(&client, &format!("input[name=agencies][value='{agency}']")).await;
    }
    assert!(
        client
            .find(Locator::Css(
                "input[name=meeting_kinds][value=multilayer_meeting]"
            ))
            .await
            .unwrap()
            .is_selected()
            .await
            .unwrap(),
        "the form proposes the 重層的支援会議"
    );
    fill(
        &client,
        "textarea[name=note]",
        "社協・包括の同行訪問で説明。本人が同意書に署名。",
    )
    .await;
    screenshot_full(&client, "step3-07-consent-form.png").await;
    click(
        &client,
        &format!("form[action='/cases/{case}/consents/new'] button[type=submit]"),
    )
    .await;
    wait_for_title_prefix(&client, "ケース #").await;
    let consents = text_of(&client, "#consents").await;
    assert_all(
        &consents,
        &[
            "本人",
            "書面",
            "大仙市社会福祉協議会",
            "高齢者包括支援センター",
            "基幹相談支援センター",
            multilayer_name,
            "有効",
        ],
    );
    let consent = {
        let href = client
            .find(Locator::Css("#consents a[href$='/print']"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        href.trim_start_matches("/consents/")
            .trim_end_matches("/print")
            .parse::<i64>()
            .unwrap()
    };
    assert_all(
        &body_text(&client).await,
        &["同意が得られました。重層的支援会議へ移すことができます"],
    );
    screenshot_full(&client, "step3-08-case-consent-offer.png").await;
    click_xpath(&client, "//a[normalize-space()='重層的支援会議へ移す']").await;
    wait_for_title(&client, &format!("{multilayer_name}へ移す")).await;
    assert_all(
        &body_text(&client).await,
        &["会議での共有を含む本人同意", "有効", "1件"],
    );
    click(&client, "input[name=meeting_id][value=new]").await;
    fill(&client, "input[name=held_on]", &iso(today)).await;
    fill(&client, "input[name=place]", "大仙市社会福祉協議会 会議室").await;
    click(
        &client,
        &format!("form[action='/cases/{case}/move-to-multilayer'] button[type=submit]"),
    )
    .await;
    let multilayer_title = format!("{multilayer_name}({})", format_wareki(today));
    wait_for_title(&client, &multilayer_title).await;
    let multilayer = id_in_url(&client, "/meetings/").await;
    assert_ne!(multilayer, support);
    let page = body_text(&client).await;
    assert_all(
        &page,
        &["重層的支援会議", "大仙市社会福祉協議会", "角館 誠"],
    );

    // ------------------------------------------------------------------------------------
    // 5. 重層的支援会議: members, roles for three agencies, minutes.
    for (agency, attendee) in [(houkatsu, "高橋 健一"), (kikan, "伊藤 由美")] {
        add_member(&client, agency, attendee).await;
    }
    let roles = [
        (
            shakyo,
            "佐々木 美穂",
            "全体の調整と月1回の訪問。家計の見直し(公共料金の滞納の相談)。",
        ),
        (
            houkatsu,
            "高橋 健一",
            "母の要介護認定の申請支援と通院・除雪の手配。",
        ),
        (
            kikan,
            "伊藤 由美",
            "本人との面談(週1回)、在宅でできる就労体験・居場所の紹介。",
        ),
    ];
    let due = today + TimeDelta::days(60);
    for (agency, staff, task) in roles {
        open_agenda_forms(&client).await;
        choose(
            &client,
            "form[action$='/roles'] select[name=agency_id]",
            &agency.to_string(),
        )
        .await;
        fill(
            &client,
            "form[action$='/roles'] input[name=staff_name]",
            staff,
        )
        .await;
        fill(
            &client,
            "form[action$='/roles'] input[name=due_on]",
            &iso(due),
        )
        .await;
        fill(&client, "form[action$='/roles'] textarea[name=task]", task).await;
        click(&client, "form[action$='/roles'] button[type=submit]").await;
        wait_xpath(
            &client,
            &format!("//table[contains(@class,'roles')]//td[.='{staff}']"),
        )
        .await;
    }
    open_agenda_forms(&client).await;
    record_minutes(
        &client,
        "本人同意を得て支援会議から移行。アセスメントを共有し、本人の「家でできる仕事なら」という思いを軸にプランを協議。",
        "3機関で役割分担。社協がプラン案を作成し、本会議で承認する。",
        None,
    )
    .await;
    let agenda = text_of(&client, "ul.agenda").await;
    assert_all(
        &agenda,
        &[
            "角館 誠",
            "3機関で役割分担",
            "大仙市社会福祉協議会",
            "高齢者包括支援センター",
            "基幹相談支援センター",
            "要介護認定の申請支援",
            &format_wareki(due),
        ],
    );
    screenshot_full(&client, "step3-09-multilayer-meeting.png").await;

    // The case left the 支援会議's agenda with the move.
    goto(&client, &app, &format!("/meetings/{support}")).await;
    wait_for_title(&client, &support_title).await;
    assert!(
        text_of(&client, "ul.agenda")
            .await
            .contains("議題から外した")
    );

    // プラン作成 and the plan, with actions for the three agencies.
    goto(&client, &app, &format!("/cases/{case}")).await;
    move_case(&client, "advance:planning", "プラン作成").await;
    goto(&client, &app, &format!("/cases/{case}/support-plans/new")).await;
    wait_for_title(&client, "支援プランを作成").await;
    fill(
        &client,
        "textarea[name=person_goal]",
        "母に心配をかけずに暮らしたい。家でできる仕事をしてみたい。",
    )
    .await;
    fill(
        &client,
        "textarea[name=long_term_goal]",
        "母の介護サービスが整い、本人が週に数日、家の外か在宅で役割を持って過ごせる。",
    )
    .await;
    fill(
        &client,
        "textarea[name=short_term_goal]",
        "母の要介護認定を受ける。本人が基幹の相談員と定期的に会い、就労体験の見学に行く。",
    )
    .await;
    let period_end = today + TimeDelta::days(180);
    let monitoring_on = today + TimeDelta::days(3);
    fill(&client, "input[name=period_start]", &iso(today)).await;
    fill(&client, "input[name=period_end]", &iso(period_end)).await;
    fill(&client, "input[name=monitoring_dates]", &iso(monitoring_on)).await;
    let actions = [
        (
            shakyo,
            "佐々木 美穂",
            user_id(&app, "daisen.coordinator").await,
            "全体の調整、月1回の訪問。公共料金の分納の相談に同行。",
            "月1回",
        ),
        (
            houkatsu,
            "高橋 健一",
            user_id(&app, "daisen.houkatsu").await,
            "母の要介護認定の申請支援、通院と冬期の除雪の手配。",
            "随時",
        ),
        (
            kikan,
            "伊藤 由美",
            user_id(&app, "daisen.kikan").await,
            "本人との面談、在宅就労体験と居場所(地域活動支援センター)の紹介・見学同行。",
            "週1回",
        ),
    ];
    for (row, (agency, staff, staff_user, what, frequency)) in actions.iter().enumerate() {
        let tr = format!("table.actions tbody tr:nth-child({})", row + 1);
        fill(&client, &format!("{tr} textarea[name=a_what]"), what).await;
        choose(
            &client,
            &format!("{tr} select[name=a_agency_id]"),
            &agency.to_string(),
        )
        .await;
        fill(&client, &format!("{tr} input[name=a_staff_name]"), staff).await;
        choose(
            &client,
            &format!("{tr} select[name=a_staff_user_id]"),
            staff_user,
        )
        .await;
        fill(&client, &format!("{tr} input[name=a_by_when]"), &iso(due)).await;
        fill(&client, &format!("{tr} input[name=a_frequency]"), frequency).await;
    }
    screenshot_full(&client, "step3-10-plan-form.png").await;
    click(
        &client,
        &format!("form[action='/cases/{case}/support-plans/new'] button[type=submit]"),
    )
    .await;
    wait_for_title(&client, "支援プラン 第1版").await;
    let plan = id_in_url(&client, "/support-plans/").await;
    let page = body_text(&client).await;
    assert_all(
        &page,
        &[
            "未承認",
            "家でできる仕事をしてみたい",
            "在宅就労体験",
            "大仙市社会福祉協議会",
            "高齢者包括支援センター",
            "基幹相談支援センター",
            &format!("{}〜{}", format_wareki(today), format_wareki(period_end)),
            &format_wareki(monitoring_on),
        ],
    );
    // The 重層的支援会議 approves it.
    choose(
        &client,
        "form[action$='/approve'] select[name=meeting_id]",
        &multilayer.to_string(),
    )
    .await;
    click(&client, "form[action$='/approve'] button[type=submit]").await;
    wait_xpath(
        &client,
        "//dt[.='承認']/following-sibling::dd[1][contains(., 'で承認')]",
    )
    .await;
    let approval = text_of_xpath(&client, "//dt[.='承認']/following-sibling::dd[1]").await;
    assert!(
        approval.starts_with(&format!(
            "{multilayer_name}({})で承認",
            format_wareki(today)
        )),
        "{approval}"
    );
    screenshot_full(&client, "step3-11-plan-approved.png").await;

    goto(&client, &app, &format!("/cases/{case}")).await;
    move_case(&client, "advance:active", "支援中").await;
    move_case(&client, "advance:monitoring", "モニタリング").await;

    // ------------------------------------------------------------------------------------
    // 6. The monitoring round (due in 3 days: on the coordinator's worklist), evaluation,
    //    closure.
    goto(&client, &app, "/").await;
    let worklist = text_of(&client, "section.card:has(#worklist)").await;
    let due_line = format!(
        "角館 誠さん — モニタリング {}",
        format_wareki(monitoring_on)
    );
    assert_all(&worklist, &[&due_line, "期日が近い"]);
    click_xpath(
        &client,
        &format!("//section[.//*[@id='worklist']]//a[contains(., '{due_line}')]"),
    )
    .await;
    wait_for_title(&client, "モニタリング").await;
    let progress = [
        ("done", "2回訪問。分納の手続きが済み、滞納は解消。"),
        ("done", "要支援2の認定。週1回の通所と除雪サービスが開始。"),
        (
            "in_progress",
            "面談は毎週継続。就労体験の見学に1回同行できた。",
        ),
    ];
    for (row, (value, note)) in progress.iter().enumerate() {
        let tr = format!("table.monitoring tbody tr:nth-child({})", row + 1);
        click(&client, &format!("{tr} input[value={value}]")).await;
        fill(&client, &format!("{tr} textarea"), note).await;
    }
    screenshot_full(&client, "step3-12-monitoring-form.png").await;
    click(&client, "form[action^='/monitoring/'] button[type=submit]").await;
    wait_for_title(&client, "支援プラン 第1版").await;
    let monitoring = text_of(&client, "table.monitoring").await;
    assert_all(
        &monitoring,
        &[
            "実施済",
            "1. 実施済:2回訪問",
            "2. 実施済:要支援2の認定",
            "3. 実施中:面談は毎週継続",
        ],
    );

    click_xpath(&client, "//a[normalize-space()='評価を記録する']").await;
    wait_for_title(&client, "支援プランの評価(第1版)").await;
    fill_form(
        &client,
        &[
            Field::Tick("person_goal", "achieved"),
            Field::Tick("long_term_goal", "partly"),
            Field::Tick("short_term_goal", "achieved"),
            Field::Area("note", "母の介護サービスが整い、本人は基幹の面談と居場所に定着。多機関での支援は終え、基幹の通常の相談支援で見守る。"),
            Field::Tick("next_step", "closure"),
        ],
    )
    .await;
    screenshot_full(&client, "step3-13-evaluation-form.png").await;
    click(&client, "form[action$='/evaluation'] button[type=submit]").await;
    wait_xpath(&client, "//h2[.='評価']").await;
    assert_all(
        &body_text(&client).await,
        &[
            "達成",
            "一部達成",
            "今後の方針",
            "終結",
            "ケースの終結を記録する",
        ],
    );

    // ------------------------------------------------------------------------------------
    // 7. The printable plan and 同意書, as they print (before the case closes).
    goto(&client, &app, &format!("/support-plans/{plan}/print")).await;
    wait_for_title(&client, "支援プラン(第1版)").await;
    let sheet = text_of(&client, "div.sheet").await;
    assert_all(
        &sheet,
        &[
            "大仙市",
            "角館 誠",
            "第1版",
            "で承認",
            "本人の望み",
            "家でできる仕事をしてみたい",
            "支援内容と役割分担",
            "基幹相談支援センター",
            "確認欄",
            "1. 実施済:2回訪問",
        ],
    );
    let plan_pages = print_pdf(&client, "step3-plan-print.pdf").await;
    eprintln!("plan: {plan_pages} A4 page(s) in PDF");
    assert!((1..=2).contains(&plan_pages), "plan: {plan_pages} pages");
    screenshot_print(&client, "step3-plan-print.png").await;

    goto(&client, &app, &format!("/consents/{consent}/print")).await;
    wait_for_title(&client, "同意書(印刷用)").await;
    let form = text_of(&client, "section.consent-form").await;
    assert_all(
        &form,
        &[
            "個人情報の共有に関する同意書",
            "大仙市長 様",
            "角館 誠",
            "カクノダテ マコト",
            &format_wareki(son_born),
            "大仙市社会福祉協議会",
            "高齢者包括支援センター",
            "基幹相談支援センター",
            multilayer_name,
            "本人署名",
            "代理人署名",
            "撤回の申出があるまで",
            &format!("同意書番号 {consent}"),
        ],
    );
    let consent_pages = print_pdf(&client, "step3-consent-print.pdf").await;
    eprintln!("同意書: {consent_pages} A4 page(s) in PDF");
    assert_eq!(consent_pages, 1, "the 同意書 is one sheet to sign");
    screenshot_print(&client, "step3-consent-print.png").await;

    // ------------------------------------------------------------------------------------
    // Closure: 目標達成, with the history of the whole case.
    goto(&client, &app, &format!("/support-plans/{plan}/evaluation")).await;
    click_xpath(&client, "//a[normalize-space()='ケースの終結を記録する']").await;
    wait_for_title_prefix(&client, "ケース #").await;
    choose(
        &client,
        "form:has(input[name=event][value=close]) select[name=reason]",
        "goal_achieved",
    )
    .await;
    fill(
        &client,
        "form:has(input[name=event][value=close]) textarea[name=note]",
        "重層的支援会議で評価。母の介護サービスと本人の居場所が定着し、目標を達成したため終結。以後は基幹が通常の相談で見守る。",
    )
    .await;
    click(
        &client,
        "form:has(input[name=event][value=close]) button[type=submit]",
    )
    .await;
    // 終結 cannot be taken back lightly: a confirmation step with what was sent.
    wait_css(&client, "form:has(input[name=confirm]) button[type=submit]").await;
    assert!(body_text(&client).await.contains("終結してよろしいですか"));
    click(&client, "form:has(input[name=confirm]) button[type=submit]").await;
    wait_xpath(
        &client,
        "//dt[.='状態']/following-sibling::dd[1]/strong[.='終結']",
    )
    .await;
    let page = body_text(&client).await;
    assert_all(&page, &["終結の理由", "目標達成"]);
    let history = text_of_xpath(
        &client,
        "//h2[starts-with(., '経過')]/following-sibling::table[1]",
    )
    .await;
    assert_all(
        &history,
        &[
            "ケース開始",
            "関与機関の追加",
            "基幹相談支援センター",
            "受付 → アセスメント",
            "アセスメント → プラン作成",
            "プラン作成 → 支援中",
            "支援中 → モニタリング",
            "モニタリング → 終結",
            "【目標達成】",
            "佐々木 美穂(大仙市社会福祉協議会)",
        ],
    );
    screenshot_full(&client, "step3-14-case-closed.png").await;
    logout(&client).await;

    // The 支援会議 basis ended when the case moved on: 自立相談支援機関 no longer sees it.
    login(&client, &app, "daisen.jiritsu").await;
    goto(&client, &app, &format!("/cases/{case}")).await;
    wait_for_title(&client, "見つかりません").await;
    client.close().await.unwrap();
}
