//! Choosing between two titles for one article: the one a feed item or list page gave and the
//! one found on the article page.
//!
//! List pages and some feeds cut long titles to fit (`柳湾社区夜间施工噪音扰民问题...`), while
//! the page's `<h1>`/`og:title` has the whole of it. The rule: when one title, trailing ellipsis
//! stripped, is the start of the other, the longer one wins; a title cut with an ellipsis gives
//! way to a page title that shares most of its start; titles that disagree entirely keep the
//! caller's preference (the feed's: a page title may be the site's name or a section's).

use crate::text::normalize;

/// Trailing marks that say a title was cut.
const ELLIPSES: &[&str] = &["……", "…", "...", "。。。", "···", "⋯", "．．．"];

/// Separators that start a site-name suffix: `标题_江北区新闻网`, `标题 - 某某网`.
const SUFFIX_SEPARATORS: &[char] = &['_', '|', '｜', '-', '－', '—', '–', '·'];

/// `title` without trailing ellipses, and whether it had one.
fn strip_ellipsis(title: &str) -> (&str, bool) {
    let mut t = title.trim_end();
    let mut cut = false;
    while let Some(rest) = ELLIPSES.iter().find_map(|e| t.strip_suffix(e)) {
        t = rest.trim_end();
        cut = true;
    }
    (t, cut)
}

/// What two titles are compared on: normalized (width, case, script), letters and digits only,
/// so that white space and the spelling of quotes and marks do not matter.
fn key(title: &str) -> Vec<char> {
    normalize(title)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Does `title` go on, after its first `n` key characters, with a site-name separator?
fn separator_after(title: &str, n: usize) -> bool {
    let normalized = normalize(title);
    let mut seen = 0;
    let mut rest = normalized.chars().skip_while(|c| {
        if seen >= n {
            return false;
        }
        if c.is_alphanumeric() {
            seen += 1;
        }
        true
    });
    rest.find(|c| !c.is_whitespace())
        .is_some_and(|c| SUFFIX_SEPARATORS.contains(&c))
}

/// Picks the title to store from `preferred` (the feed item's or list page's) and `other` (the
/// article page's); see the module docs.
pub(crate) fn pick_title(preferred: &str, other: &str) -> String {
    let (p, o) = (preferred.trim(), other.trim());
    if o.is_empty() {
        return p.to_string();
    }
    if p.is_empty() {
        return o.to_string();
    }
    let (p_stripped, p_cut) = strip_ellipsis(p);
    let (o_stripped, o_cut) = strip_ellipsis(o);
    let (kp, ko) = (key(p_stripped), key(o_stripped));
    if kp.is_empty() {
        // The preferred title is nothing but an ellipsis.
        return o.to_string();
    }
    if ko.starts_with(&kp) {
        let longer = ko.len() > kp.len();
        if !longer {
            // The same title: the uncut spelling, else the preferred one.
            return if p_cut && !o_cut { o } else { p }.to_string();
        }
        // `other` goes on where `preferred` stops. Unless `preferred` was visibly cut, what
        // follows must not be a site-name suffix (`标题_某某网`, `标题 - 某某网`).
        let suffix = separator_after(o_stripped, kp.len());
        return if p_cut || !suffix { o } else { p }.to_string();
    }
    if kp.starts_with(&ko) {
        return p.to_string();
    }
    // A cut title whose start mostly agrees with the page's (the list shortened it and spelled a
    // mark differently, say): the page's whole title.
    if p_cut {
        let common = kp.iter().zip(&ko).take_while(|(a, b)| a == b).count();
        if common >= 4 && common * 2 >= kp.len() {
            return o.to_string();
        }
    }
    p.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = "“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题当天解决";

    #[test]
    fn a_cut_list_title_gives_way_to_the_whole_page_title() {
        for cut in [
            "“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题...",
            "“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题…",
            "“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题……",
            "“接诉即办”在行动：柳湾社区夜间施工噪音扰民 ...",
            "“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题当天解决...",
        ] {
            assert_eq!(pick_title(cut, FULL), FULL, "{cut}");
        }
        // A prefix without an ellipsis, and a full-width spelling of it.
        assert_eq!(pick_title("“接诉即办”在行动：柳湾社区", FULL), FULL);
        assert_eq!(
            pick_title("青石街道ＡＢＣ", "青石街道ABC行动方案"),
            "青石街道ABC行动方案"
        );
        // Cut and spelled a little differently from the page.
        assert_eq!(
            pick_title("\"接诉即办\"在行动：柳湾社区夜间施工...", FULL),
            FULL
        );
    }

    #[test]
    fn the_longer_title_wins_either_way() {
        assert_eq!(pick_title(FULL, "“接诉即办”在行动：柳湾社区..."), FULL);
        assert_eq!(pick_title(FULL, "“接诉即办”在行动"), FULL);
    }

    #[test]
    fn disagreeing_titles_keep_the_feed_title() {
        assert_eq!(
            pick_title("青石街道开展冬季安全生产大检查", "江北区人民政府"),
            "青石街道开展冬季安全生产大检查"
        );
        assert_eq!(
            pick_title("柳湾社区夜间施工噪音...", "江北区人民政府网站"),
            "柳湾社区夜间施工噪音..."
        );
        // A page title that only adds the site's name is not "longer".
        assert_eq!(
            pick_title(
                "青石街道开展冬季安全生产大检查",
                "青石街道开展冬季安全生产大检查_江北区新闻网"
            ),
            "青石街道开展冬季安全生产大检查"
        );
        assert_eq!(
            pick_title(
                "青石街道开展冬季安全生产大检查",
                "青石街道开展冬季安全生产大检查 - 江北区新闻网"
            ),
            "青石街道开展冬季安全生产大检查"
        );
    }

    #[test]
    fn empty_and_ellipsis_only_titles() {
        assert_eq!(pick_title("", FULL), FULL);
        assert_eq!(pick_title(FULL, ""), FULL);
        assert_eq!(pick_title("...", FULL), FULL);
        assert_eq!(pick_title("  ", "  "), "");
        // Same title: the uncut spelling.
        assert_eq!(pick_title("青石街道巡河…", "青石街道巡河"), "青石街道巡河");
        assert_eq!(pick_title("青石街道巡河", "青石街道巡河…"), "青石街道巡河");
    }
}
