#!/usr/bin/env python3
"""Writes the extraction fixtures in tests/fixtures/extract/{tune,heldout}/.

Every page is `SHAPE-NN.html` with its expected main text in `SHAPE-NN.txt`. All text is
invented (eval/text_pool.py). The held-out half uses different site skins (markup, class
names, chrome) from the tuning half for every shape, and was fixed before any tuning of
the extractor: the extractor was never run on it while changing code (see the README
written next to the pages).

Run: python3 eval/gen_extract_fixtures.py   (deterministic; rewrites the pages)
"""

import html as h
import os
import random

from text_pool import (BLOG, HEADLINES, NEWS_COMMENTS, NOTICES, POEMS, QAS, REVIEWS,
                       STORIES, TEASERS, THREADS, USERS)

ROOT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "extract")

E = h.escape


def style_block(rng):
    rules = [
        "body{font:14px/1.6 'Microsoft YaHei',sans-serif;margin:0}",
        ".wrap{width:1200px;margin:0 auto}",
        ".nav a{padding:0 12px;color:#333}",
        ".side{float:right;width:300px}",
        ".footer{color:#999;text-align:center}",
        "p{text-indent:2em}",
    ]
    rng.shuffle(rules)
    return "<style type=\"text/css\">\n" + "\n".join(rules) + "\n</style>"


def scripts(rng):
    return (
        "<script>var _hmt=_hmt||[];(function(){var hm=document.createElement('script');"
        "hm.src='//stat.example.cn/hm.js?" + str(rng.randint(10**9, 10**10)) + "';"
        "var s=document.getElementsByTagName('script')[0];s.parentNode.insertBefore(hm,s);})();</script>\n"
        "<script type=\"text/javascript\">window.__CONFIG__={\"channel\":\"news\",\"tip\":\"欢迎访问\"};</script>"
    )


def nav(site, items, cls="nav"):
    links = "".join(f"<li><a href=\"/{i}/\">{E(t)}</a></li>" for i, t in enumerate(items))
    return f"<div class=\"{cls}\"><ul>{links}</ul></div>"


NAV_NEWS = ["首页", "时政", "社会", "经济", "教育", "文旅", "健康", "图片", "视频", "专题", "评论", "县区"]
NAV_BBS = ["论坛首页", "本地生活", "房产家居", "亲子教育", "美食", "求职招聘", "二手市场", "摄影", "站务"]


def hot_list(rng, title="热点排行", n=8, cls="side-rank"):
    heads = [t for t, _ in TEASERS]
    rng.shuffle(heads)
    items = "".join(f"<li><em>{i + 1}</em><a href=\"/n/{rng.randint(1000, 9999)}.html\">{E(t)}</a></li>"
                    for i, t in enumerate(heads[:n]))
    return f"<div class=\"{cls}\"><h3>{title}</h3><ul>{items}</ul></div>"


def footer(site, rng, cls="footer"):
    return (
        f"<div class=\"{cls}\"><p><a href=\"/about\">关于我们</a> | <a href=\"/contact\">联系我们</a> | "
        f"<a href=\"/ad\">广告服务</a> | <a href=\"/law\">法律声明</a></p>"
        f"<p>地址：青禾县人民路{rng.randint(1, 300)}号，邮编：{rng.randint(100000, 999999)}。违法和不良信息举报电话：0000-{rng.randint(1000000, 9999999)}。</p>"
        f"<p>Copyright © 2026 {E(site)} 版权所有，未经授权禁止转载。 ICP备{rng.randint(10000000, 99999999)}号</p></div>"
    )


def page(title, body, rng, charset="utf-8", site="青禾网"):
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
        f"<meta charset=\"{charset}\">\n<title>{E(title)}_{E(site)}</title>\n"
        f"<meta name=\"keywords\" content=\"{E(site)},新闻,本地\">\n"
        + style_block(rng) + "\n" + scripts(rng) + "\n</head>\n<body>\n" + body + "\n</body>\n</html>\n"
    )


def paras(ps, tag="p"):
    return "\n".join(f"<{tag}>{E(p)}</{tag}>" for p in ps)


def date(rng):
    return f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d} {rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}"


# ---------------------------------------------------------------- news-like shapes


def news_plain(rng, story, skin):
    ps = STORIES[story]
    title = HEADLINES[story]
    if skin == "a":
        body = (
            "<div class=\"top-bar\"><a href=\"/login\">登录</a> <a href=\"/reg\">注册</a></div>"
            + nav("", NAV_NEWS)
            + "<div class=\"wrap\"><div class=\"crumbs\"><a href=\"/\">首页</a> &gt; <a href=\"/sh/\">社会</a> &gt; 正文</div>"
            + "<div class=\"main-left\"><h1 class=\"article-title\">" + E(title) + "</h1>"
            + f"<div class=\"article-info\"><span>{date(rng)}</span> <span>来源：青禾日报</span> <span>编辑：王晓</span></div>"
            + "<div class=\"article-content\" id=\"artibody\">" + paras(ps) + "</div>"
            + "<div class=\"share-bar\">分享到：<a href=\"#\">微信</a><a href=\"#\">微博</a></div></div>"
            + "<div class=\"side\">" + hot_list(rng) + hot_list(rng, "图片新闻", 5, "side-pic") + "</div></div>"
            + footer("青禾网", rng)
        )
    else:
        body = (
            "<header class=\"site-header\"><div class=\"logo\"><a href=\"/\">南湾新闻网</a></div>"
            + nav("", NAV_NEWS, "main-menu") + "</header>"
            + "<main><section class=\"story\"><div class=\"path\">当前位置：<a href=\"/\">首页</a> » <a href=\"/bd/\">本地</a></div>"
            + "<h2 class=\"story-hd\">" + E(title) + "</h2>"
            + f"<p class=\"story-meta\">发布时间：{date(rng)}　来源：南湾晚报　记者 林森</p>"
            + "<section class=\"story-bd\">" + paras(ps) + "</section>"
            + "<p class=\"story-editor\">责任编辑：周一鸣</p></section>"
            + "<aside>" + hot_list(rng, "24小时热文", 10, "hot") + "</aside></main>"
            + footer("南湾新闻网", rng, "site-footer")
        )
    return page(title, body, rng), "\n".join(ps)


def news_comments(rng, story, skin):
    ps = STORIES[story]
    title = HEADLINES[story]
    comments = rng.sample(NEWS_COMMENTS, 5)
    users = rng.sample(USERS, 5)
    if skin == "a":
        cm = "".join(
            f"<div class=\"comment-item\"><div class=\"comment-user\"><a href=\"/u/{i}\">{E(u)}</a> <span>{date(rng)}</span></div>"
            f"<div class=\"comment-content\">{E(c)}</div><div class=\"comment-op\"><a href=\"#\">回复</a> <a href=\"#\">赞</a></div></div>"
            for i, (u, c) in enumerate(zip(users, comments)))
        body = (
            nav("", NAV_NEWS) + "<div class=\"wrap\"><div class=\"article\"><h1>" + E(title) + "</h1>"
            + f"<div class=\"info\">{date(rng)} 来源：青禾日报</div><div class=\"text\">" + paras(ps) + "</div></div>"
            + "<div id=\"comments\"><h3>网友评论（" + str(len(comments)) + "）</h3>" + cm + "</div>"
            + "<div class=\"side\">" + hot_list(rng) + "</div></div>" + footer("青禾网", rng)
        )
    else:
        cm = "".join(
            f"<li class=\"cmt\"><p class=\"cmt-author\">{E(u)}</p><p class=\"cmt-body\">{E(c)}</p><p class=\"cmt-time\">{date(rng)}</p></li>"
            for u, c in zip(users, comments))
        body = (
            "<header>" + nav("", NAV_NEWS, "menu") + "</header><div class=\"container\"><article class=\"post\">"
            + "<h1 class=\"post-title\">" + E(title) + "</h1>"
            + f"<div class=\"post-meta\">{date(rng)} · 南湾晚报</div><div class=\"post-body\">" + paras(ps) + "</div>"
            + "<section class=\"discuss\"><h4>读者留言</h4><ul class=\"cmt-list\">" + cm + "</ul>"
            + "<form><textarea>说点什么</textarea><button>发表</button></form></section></article>"
            + "<aside class=\"sidebar\">" + hot_list(rng, "热门") + "</aside></div>" + footer("南湾新闻网", rng, "ft")
        )
    return page(title, body, rng), "\n".join(ps)


def portal_recommend(rng, story, skin):
    ps = STORIES[story]
    title = HEADLINES[story]
    teasers = rng.sample(TEASERS, 8)
    if skin == "a":
        stream = "".join(
            f"<li class=\"feed-item\"><h3><a href=\"/a/{rng.randint(10000, 99999)}.html\">{E(t)}</a></h3>"
            f"<p class=\"feed-desc\">{E(d)}</p><div class=\"feed-meta\">青禾网 · {rng.randint(1, 59)}分钟前</div></li>"
            for t, d in teasers)
        body = (
            nav("", NAV_NEWS) + "<div class=\"wrap\"><div class=\"main\"><h1>" + E(title) + "</h1>"
            + f"<div class=\"source\">{date(rng)} 青禾日报</div><div class=\"content\">" + paras(ps) + "</div>"
            + "<div class=\"feed\"><div class=\"feed-hd\">你可能还想看</div><ul>" + stream + "</ul></div></div>"
            + "<div class=\"side\">" + hot_list(rng) + "</div></div>" + footer("青禾网", rng)
        )
    else:
        stream = "".join(
            f"<div class=\"card\"><a class=\"card-link\" href=\"/story/{rng.randint(10000, 99999)}\">"
            f"<div class=\"card-title\">{E(t)}</div></a><div class=\"card-summary\">{E(d)}</div>"
            f"<span class=\"card-time\">{rng.randint(1, 23)}小時前</span></div>"
            for t, d in teasers)
        body = (
            "<div class=\"header\">" + nav("", NAV_NEWS, "channel") + "</div><div id=\"page\">"
            + "<div class=\"article-wrap\"><h1 class=\"headline\">" + E(title) + "</h1>"
            + f"<div class=\"byline\">{date(rng)}　南灣新聞</div><div class=\"article-body\">" + paras(ps) + "</div>"
            + "<div class=\"tags\"><a href=\"#\">本地</a> <a href=\"#\">民生</a></div></div>"
            + "<div class=\"more-stories\"><h2>你可能還想看</h2>" + stream + "</div>"
            + "</div>" + footer("南灣新聞", rng, "bottom")
        )
    return page(title, body, rng), "\n".join(ps)


def portal_next_story(rng, story, other, skin):
    ps = STORIES[story]
    title = HEADLINES[story]
    ops = STORIES[other]
    if skin == "a":
        body = (
            nav("", NAV_NEWS) + "<div class=\"wrap\"><div class=\"art\"><h1>" + E(title) + "</h1>"
            + f"<div class=\"art-info\">{date(rng)} 来源：青禾日报</div><div class=\"art-txt\">" + paras(ps) + "</div></div>"
            + "<div class=\"next-art\"><div class=\"next-label\">下一篇</div><h2><a href=\"/n/2.html\">" + E(HEADLINES[other]) + "</a></h2>"
            + f"<div class=\"art-info\">{date(rng)}</div><div class=\"art-txt\">" + paras(ops[:3]) + "</div></div>"
            + "<div class=\"side\">" + hot_list(rng) + "</div></div>" + footer("青禾网", rng)
        )
    else:
        body = (
            "<div id=\"hd\">" + nav("", NAV_NEWS, "nv") + "</div><div id=\"bd\">"
            + "<div class=\"item\"><h1 class=\"t\">" + E(title) + "</h1>"
            + f"<p class=\"m\">{date(rng)}</p><div class=\"c\">" + paras(ps) + "</div></div>"
            + "<div class=\"item infinite\"><h2 class=\"t\">" + E(HEADLINES[other]) + "</h2>"
            + f"<p class=\"m\">{date(rng)}</p><div class=\"c\">" + paras(ops[:2]) + "</div>"
            + "<a class=\"readmore\" href=\"/n/3.html\">阅读全文</a></div></div>" + footer("南湾新闻网", rng, "ft")
        )
    return page(title, body, rng), "\n".join(ps)


def two_blocks(rng, story, other, skin):
    ps = STORIES[story]
    title = HEADLINES[story]
    ops = STORIES[other]
    if skin == "a":
        box = ("<div class=\"side\"><div class=\"zt-box\"><h3>专题：" + E(HEADLINES[other]) + "</h3>"
               + paras(ops[:3]) + "</div>" + hot_list(rng) + "</div>")
        body = (
            nav("", NAV_NEWS) + "<div class=\"wrap\"><div class=\"left\"><h1>" + E(title) + "</h1>"
            + f"<div class=\"time\">{date(rng)}</div><div class=\"detail\">" + paras(ps) + "</div></div>"
            + box + "</div>" + footer("青禾网", rng)
        )
    else:
        body = (
            "<div class=\"head\">" + nav("", NAV_NEWS, "menu") + "</div><table width=\"1000\"><tr>"
            + "<td class=\"l\"><div class=\"block\"><h4>背景阅读</h4>" + paras(ops[:3]) + "</div></td>"
            + "<td class=\"r\"><h1>" + E(title) + "</h1>"
            + f"<div class=\"date\">{date(rng)}</div><div class=\"block\">" + paras(ps) + "</div></td></tr></table>"
            + footer("南湾新闻网", rng, "ft")
        )
    return page(title, body, rng), "\n".join(ps)


def poem_breadcrumb(rng, poem, skin):
    lines = poem["lines"]
    if skin == "a":
        # The breadcrumb div is never closed: the whole poem ends up inside it.
        body = (
            nav("", ["首页", "诗歌", "散文", "小说", "评论", "投稿"]) + "<div class=\"container\">"
            + "<div class=\"breadcrumb\"><a href=\"/\">首页</a> / <a href=\"/shige/\">诗歌</a> / 正文"
            + "<h1>" + E(poem["title"]) + "</h1><p class=\"author\">作者：" + E(poem["author"]) + "</p>"
            + "<div class=\"poem\">" + "".join(f"{E(l)}<br>" for l in lines) + "</div>"
            + "<p class=\"post-date\">发表于 " + date(rng)[:10] + "</p>"
            + "</div>" + footer("青禾文学", rng) + "</div>"
        )
    else:
        body = (
            "<div class=\"top\">" + nav("", ["首页", "新诗", "古韵", "随笔", "作者"], "topnav") + "</div>"
            + "<div class=\"crumb-bar\">您的位置：<a href=\"/\">首页</a> » <a href=\"/xinshi/\">新诗</a>"
            + "<div class=\"poem-title\">" + E(poem["title"]) + "</div><div class=\"poem-author\">" + E(poem["author"]) + "</div>"
            + "<div class=\"poem-body\">" + paras(lines) + "</div>"
            + "<div class=\"actions\"><a href=\"#\">收藏</a> <a href=\"#\">打印</a></div>"
            + "</div>" + footer("山雨诗社", rng, "copyright")
        )
    return page(poem["title"], body, rng, site="诗文网"), "\n".join(lines)


def reviews(rng, skin):
    rs = rng.sample(REVIEWS, 5)
    users = rng.sample(USERS, 5)
    if skin == "a":
        items = "".join(
            f"<div class=\"comment-item\"><div class=\"avatar\"><a href=\"/people/{i}\"><img src=\"/a.jpg\"></a></div>"
            f"<div class=\"comment\"><h3><span class=\"comment-info\"><a href=\"/people/{i}\">{E(u)}</a> <span class=\"rating\">推荐</span> <span class=\"comment-time\">{date(rng)[:10]}</span></span>"
            f"<span class=\"votes\">{rng.randint(1, 300)}</span> 有用</h3><p class=\"comment-content\"><span class=\"short\">{E(r)}</span></p></div></div>"
            for i, (u, r) in enumerate(zip(users, rs)))
        body = (
            nav("", ["电影", "读书", "音乐", "同城", "小组"]) + "<div id=\"wrapper\"><h1>《小城饭桌》短评</h1>"
            + "<div class=\"subject-info\">导演：虚构 / 类型：剧情 / 片长：108分钟</div>"
            + "<div id=\"comments\" class=\"mod-bd\">" + items + "</div>"
            + "<div class=\"paginator\"><a href=\"?p=2\">后页</a></div>"
            + "<div class=\"aside\">" + hot_list(rng, "正在热映") + "</div></div>" + footer("影评社区", rng)
        )
    else:
        items = "".join(
            f"<li class=\"comment\"><div class=\"comment-meta\"><b>{E(u)}</b> 评分：{rng.randint(3, 5)}星</div>"
            f"<div class=\"comment-text\"><p>{E(r)}</p></div><div class=\"comment-actions\"><a href=\"#\">有用</a></div></li>"
            for u, r in zip(users, rs))
        body = (
            "<div class=\"header\">" + nav("", ["首页", "影视", "图书", "榜单"], "menu") + "</div>"
            + "<div class=\"page\"><div class=\"subject\"><h1>小城饭桌</h1><span>剧情 / 2026</span></div>"
            + "<ul id=\"comment-area\" class=\"comments\">" + items + "</ul>"
            + "<div class=\"sidebar\">" + hot_list(rng, "口碑榜") + "</div></div>" + footer("看片笔记", rng, "ft")
        )
    return page("《小城饭桌》短评", body, rng, site="影评社区"), "\n".join(rs)


def csdn(rng, skin):
    ps = BLOG["paras"]
    truth = ps[:3] + [BLOG["code"]] + ps[3:]
    wallet = (
        "<div class=\"reward-box\"><div class=\"reward-tip\">创作打卡挑战赛，赢取流量和现金奖励</div>"
        "<p>打赏作者</p><div class=\"wallet\">钱包余额 0</div><p>抵扣说明：</p>"
        "<p>1.余额是钱包充值的虚拟货币，按照1:1的比例进行支付金额的抵扣。</p>"
        "<p>2.余额无法直接购买下载，可以购买VIP、付费专栏及课程。</p>"
        "<a href=\"/wallet\">余额充值</a></div>"
    )
    code = E(BLOG["code"])
    main_ps = paras(ps[:3]) + f"<pre><code class=\"language-sql\">{code}</code></pre>" + paras(ps[3:])
    if skin == "a":
        body = (
            "<div id=\"csdn-toolbar\">" + nav("", ["博客", "下载", "学习", "社区", "会员"], "toolbar-menu") + "</div>"
            + "<div class=\"main_father\"><aside class=\"blog_container_aside\"><div class=\"profile\"><a href=\"/u\">码农小程</a>"
            + "<p>原创 86 · 粉丝 312 · 获赞 520</p></div>" + hot_list(rng, "热门文章", 6, "aside-box") + "</aside>"
            + "<main><div class=\"blog-content-box\"><h1 class=\"title-article\">" + E(BLOG["title"]) + "</h1>"
            + f"<div class=\"article-info-box\">码农小程 于 {date(rng)} 发布 · 阅读量 1.2k · 收藏 23</div>"
            + "<div id=\"article_content\" class=\"article_content\"><div class=\"htmledit_views\">" + main_ps + "</div></div></div>"
            + wallet + "<div class=\"recommend-box\">" + "".join(
                f"<div class=\"recommend-item\"><a href=\"/r{i}\">{E(t)}</a><p>{E(d)}</p></div>" for i, (t, d) in enumerate(rng.sample(TEASERS, 4)))
            + "</div></main></div>" + footer("技术博客社区", rng, "blog-footer")
        )
    else:
        body = (
            "<div id=\"top_nav\">" + nav("", ["园子", "新闻", "博问", "闪存", "会员"], "navbar") + "</div>"
            + "<div id=\"home\"><div id=\"mainContent\"><div class=\"post\"><h2 class=\"postTitle\"><a href=\"/p/1\">" + E(BLOG["title"]) + "</a></h2>"
            + "<div id=\"cnblogs_post_body\" class=\"blogpost-body\">" + main_ps + "</div>"
            + f"<div class=\"postDesc\">posted @ {date(rng)} 码农小程 阅读(1024) 评论(3)</div></div>"
            + wallet + "</div><div id=\"sideBar\">" + hot_list(rng, "阅读排行榜", 6, "catListPostArchive") + "</div></div>"
            + footer("程序员园地", rng, "footer")
        )
    return page(BLOG["title"], body, rng, site="技术博客社区"), "\n".join(truth)


def gov_notice(rng, notice, skin):
    ps = notice["paras"]
    sign = [notice["org"], "2025年9月" + str(rng.randint(10, 28)) + "日"]
    truth = ps + sign
    if skin == "a":
        body = (
            "<table width=\"100%\"><tr><td class=\"gov-top\"><img src=\"/logo.png\">" + nav("", ["首页", "政务公开", "政务服务", "互动交流", "走进青禾"], "dh") + "</td></tr>"
            + "<tr><td><table width=\"1000\" align=\"center\"><tr><td class=\"position\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"/zwgk/\">政务公开</a> &gt; 通知公告</td></tr>"
            + "<tr><td align=\"center\" class=\"biaoti\">" + E(notice["title"]) + "</td></tr>"
            + f"<tr><td class=\"fbsj\">发布时间：{date(rng)[:10]}　来源：{E(notice['org'])}　浏览次数：{rng.randint(100, 9999)}</td></tr>"
            + "<tr><td class=\"zw\"><div class=\"TRS_Editor\">" + paras(ps) + "<p style=\"text-align:right\">" + E(sign[0]) + "</p><p style=\"text-align:right\">" + E(sign[1]) + "</p></div></td></tr>"
            + "<tr><td class=\"dy\"><a href=\"javascript:window.print()\">【打印本页】</a> <a href=\"javascript:window.close()\">【关闭窗口】</a></td></tr></table></td></tr>"
            + "<tr><td class=\"bottom\">主办单位：青禾县人民政府办公室　承办：县大数据中心<br>网站标识码：" + str(rng.randint(10**9, 10**10)) + "　ICP备" + str(rng.randint(10**7, 10**8)) + "号</td></tr></table>"
        )
    else:
        body = (
            "<div class=\"gov-header\"><div class=\"gov-logo\">南湾区人民政府</div>" + nav("", ["首页", "信息公开", "办事服务", "政民互动", "数据开放"], "gov-nav") + "</div>"
            + "<div class=\"gov-main\"><div class=\"gov-loc\">首页 &gt; 信息公开 &gt; 公告公示</div>"
            + "<div class=\"xxgk-table\"><table><tr><th>索引号</th><td>11320000-2026-0" + str(rng.randint(100, 999)) + "</td><th>发布机构</th><td>" + E(notice["org"]) + "</td></tr>"
            + "<tr><th>名称</th><td colspan=\"3\">" + E(notice["title"]) + "</td></tr></table></div>"
            + "<h1 class=\"gov-title\">" + E(notice["title"]) + "</h1>"
            + "<div class=\"gov-article\" id=\"zoom\">" + paras(ps) + paras(sign) + "</div>"
            + "<div class=\"gov-related\"><h3>相关链接</h3><ul>" + "".join(f"<li><a href=\"/x{i}\">{E(t)}</a></li>" for i, (t, _) in enumerate(rng.sample(TEASERS, 5))) + "</ul></div>"
            + "</div><div class=\"gov-footer\">主办：南湾区人民政府办公室　联系电话：0000-1234567<br>政府网站标识码 " + str(rng.randint(10**9, 10**10)) + "</div>"
        )
    return page(notice["title"], body, rng, site="政府网站"), "\n".join(truth)


# ---------------------------------------------------------------- threads and Q&A


def thread_truth(t):
    return "\n".join(t["first"] + t["replies"])


def thread_discuz(rng, t, skin, attachment=None):
    """Discuz!-like (skin a) or phpwind-like (skin b) thread."""
    users = rng.sample(USERS, len(t["replies"]) + 1)
    posts = [t["first"]] + [[r] for r in t["replies"]]
    if attachment is not None:
        posts = [[]] + [[r] for r in attachment[1]]
    out = []
    for i, (u, p) in enumerate(zip(users, posts)):
        content = "<br />\r\n".join(E(x) for x in p)
        if i == 0 and attachment is not None:
            if skin == "a":
                content += (f"<ignore_js_op><span id=\"attach_{rng.randint(1000, 9999)}\"><img src=\"/static/image/filetype/pdf.gif\">"
                            f"<a href=\"forum.php?mod=attachment&amp;aid=MTIz\" target=\"_blank\">{E(attachment[0])}</a></span>"
                            f"<em class=\"xg1\">(1.2 MB, 下载次数: {rng.randint(3, 90)})</em></ignore_js_op>")
            else:
                content += (f"<div class=\"attach\">附件：<a href=\"/attachment.php?id=77\">{E(attachment[0])}</a>"
                            f" <span class=\"gray\">(下载 {rng.randint(3, 90)} 次)</span></div>")
        if skin == "a":
            out.append(
                f"<div id=\"post_{1000 + i}\"><table id=\"pid{1000 + i}\" class=\"plhin\" cellspacing=\"0\" cellpadding=\"0\"><tr>"
                f"<td class=\"pls\" rowspan=\"2\"><div class=\"pi\"><div class=\"authi\"><a href=\"home.php?uid={i}\" class=\"xw1\">{E(u)}</a></div></div>"
                f"<div><dl class=\"pil cl\"><dt>积分</dt><dd>{rng.randint(10, 999)}</dd><dt>帖子</dt><dd>{rng.randint(1, 300)}</dd></dl></div></td>"
                f"<td class=\"plc\"><div class=\"pi\"><strong><a href=\"#\">{'楼主' if i == 0 else str(i + 1) + '#'}</a></strong>"
                f"<div class=\"pti\"><div class=\"authi\"><em>发表于 {date(rng)}</em> | <a href=\"#\">只看该作者</a></div></div></div>"
                f"<div class=\"pct\"><div class=\"pcb\"><div class=\"t_fsz\"><table cellspacing=\"0\"><tr><td class=\"t_f\" id=\"postmessage_{1000 + i}\">"
                f"{content}</td></tr></table></div></div></div></td></tr>"
                f"<tr><td class=\"plc plm\"><div class=\"sign\">签名：生活不止眼前的苟且</div></td></tr></table></div>"
            )
        else:
            out.append(
                f"<div class=\"read_t\"><table width=\"100%\"><tr><td class=\"floot_left\"><div class=\"readName\"><a class=\"r_name\" href=\"/u/{i}\">{E(u)}</a></div>"
                f"<div class=\"user-level\">等级：会员</div></td>"
                f"<td class=\"floot_right\"><div class=\"tipTop\"><span class=\"floor\">{'楼主' if i == 0 else '第' + str(i + 1) + '楼'}</span> 发布于：{date(rng)}</div>"
                f"<div class=\"tpc_content\"><div class=\"f14\" id=\"read_{i}\">{content}</div></div>"
                f"<div class=\"tipBottom\"><a href=\"#\">回复</a> <a href=\"#\">引用</a> <a href=\"#\">举报</a></div></td></tr></table></div>"
            )
    title = t["title"] if attachment is None else attachment[2]
    if skin == "a":
        body = (
            "<div id=\"toptb\"><a href=\"member.php?mod=logging\">登录</a> <a href=\"member.php?mod=register\">立即注册</a></div>"
            + nav("", NAV_BBS, "nv") + "<div id=\"pt\" class=\"bm cl\"><div class=\"z\"><a href=\"./\">论坛</a> <em>›</em> <a href=\"forum-2-1.html\">本地生活</a> <em>›</em> 帖子</div></div>"
            + "<div id=\"ct\" class=\"wp cl\"><div id=\"postlist\" class=\"pl bm\"><table cellspacing=\"0\"><tr><td class=\"pls ptn pbn\">查看: "
            + str(rng.randint(100, 9999)) + "<span class=\"pipe\">|</span>回复: " + str(len(posts) - 1) + "</td>"
            + "<td class=\"plc ptm pbn vwthd\"><h1 class=\"ts\"><span id=\"thread_subject\">" + E(title) + "</span></h1></td></tr></table>"
            + "".join(out) + "</div><div class=\"pgs mtm\"><a href=\"#\">返回列表</a></div></div>"
            + footer("青禾论坛", rng, "ft")
        )
    else:
        body = (
            "<div class=\"top_bar\">" + nav("", NAV_BBS, "navA") + "</div><div class=\"main\"><div class=\"breadEm\">"
            + "<a href=\"/\">社区</a> &raquo; <a href=\"/f/3\">生活杂谈</a></div>"
            + "<div class=\"thread-title\"><h1 id=\"subject_tpc\">" + E(title) + "</h1></div>"
            + "<div id=\"read_threads\">" + "".join(out) + "</div>"
            + "<div class=\"fastpost\"><textarea name=\"atc_content\">快速回复</textarea><button>提交</button></div>"
            + "</div>" + footer("南湾社区", rng, "bottom")
        )
    truth = thread_truth(t) if attachment is None else "\n".join([attachment[0]] + attachment[1])
    return page(title, body, rng, site="论坛"), truth


def thread_tieba(rng, t, skin):
    users = rng.sample(USERS, len(t["replies"]) + 1)
    posts = [t["first"]] + [[r] for r in t["replies"]]
    if skin == "a":
        out = "".join(
            f"<div class=\"l_post j_l_post l_post_bright\" data-field='{{\"author\":{{\"user_name\":\"u{i}\"}}}}'>"
            f"<div class=\"d_author\"><ul class=\"p_author\"><li class=\"icon\"><img src=\"/p.jpg\"></li>"
            f"<li class=\"d_name\"><a class=\"p_author_name j_user_card\" href=\"/home/{i}\">{E(u)}</a></li><li class=\"l_badge\">Lv.{rng.randint(1, 12)}</li></ul></div>"
            f"<div class=\"d_post_content_main\"><div class=\"p_content\"><cc><div id=\"post_content_{i}\" class=\"d_post_content j_d_post_content\">"
            + "<br>".join(E(x) for x in p)
            + f"</div></cc></div><div class=\"core_reply\"><span class=\"tail-info\">{i + 1}楼</span><span class=\"tail-info\">{date(rng)}</span>"
            f"<a class=\"lzl_link_unfold\">回复</a></div></div></div>"
            for i, (u, p) in enumerate(zip(users, posts)))
        body = (
            "<div id=\"head\" class=\"search_bright\"><div class=\"search_top\"><a href=\"/\">贴吧首页</a> <a href=\"/login\">登录</a></div></div>"
            + "<div class=\"card_head\"><a class=\"card_title_fname\" href=\"/f?kw=qinghe\">青禾吧</a> 关注：12,345 贴子：678,901</div>"
            + "<div class=\"core_title_wrap_bright\"><h3 class=\"core_title_txt\" title=\"" + E(t["title"]) + "\">" + E(t["title"]) + "</h3></div>"
            + "<div id=\"j_p_postlist\" class=\"p_postlist\">" + out + "</div>"
            + "<div class=\"right_section\">" + hot_list(rng, "吧内热议") + "</div>"
            + footer("贴吧", rng, "footer")
        )
    else:
        out = "".join(
            f"<li class=\"list_item\" data-floor=\"{i + 1}\"><div class=\"list_item_top\"><span class=\"user_name\">{E(u)}</span>"
            f"<span class=\"floor_num\">{i + 1}楼</span><span class=\"list_item_time\">{date(rng)}</span></div>"
            f"<div class=\"content pb_content\">" + "".join(f"<p>{E(x)}</p>" for x in p) + "</div>"
            f"<div class=\"list_item_bottom\"><a href=\"#\">回复</a></div></li>"
            for i, (u, p) in enumerate(zip(users, posts)))
        body = (
            "<div class=\"top_banner\"><a href=\"/app\">打开客户端，看更多精彩内容</a></div>"
            + "<div class=\"forum_name\"><a href=\"/f/dongping\">东坪吧</a></div>"
            + "<h1 class=\"thread_title\">" + E(t["title"]) + "</h1>"
            + "<ul class=\"pb_list\">" + out + "</ul>"
            + "<div class=\"recommend_threads\"><h3>大家都在看</h3>" + "".join(
                f"<a class=\"rec_item\" href=\"/p/{rng.randint(10**6, 10**7)}\">{E(tt)}</a>" for tt, _ in rng.sample(TEASERS, 5)) + "</div>"
            + footer("移动贴吧", rng, "pb_footer")
        )
    return page(t["title"], body, rng, site="贴吧"), thread_truth(t)


def thread_bbs(rng, t, skin):
    users = rng.sample(USERS, len(t["replies"]) + 1)
    posts = [t["first"]] + [[r] for r in t["replies"]]
    if skin == "a":
        out = "".join(
            f"<div class=\"floor\" id=\"floor{i + 1}\"><div class=\"floor-head\"><span class=\"floor-user\"><a href=\"/user/{i}\">{E(u)}</a></span>"
            f"<span class=\"floor-no\">#{i + 1}</span><span class=\"floor-time\">{date(rng)}</span></div>"
            f"<div class=\"floor-body\">" + "".join(f"<p>{E(x)}</p>" for x in p) + "</div></div>"
            for i, (u, p) in enumerate(zip(users, posts)))
        body = (
            "<div class=\"bbs-top\">" + nav("", NAV_BBS) + "</div><div class=\"bbs-wrap\">"
            + "<div class=\"bbs-path\"><a href=\"/\">青禾社区</a> > <a href=\"/board/7\">民生杂谈</a></div>"
            + "<h2 class=\"topic-title\">" + E(t["title"]) + "</h2>" + out
            + "<div class=\"reply-box\"><p>登录后才能回复</p></div></div>"
            + footer("青禾社区", rng)
        )
    else:
        out = "".join(
            f"<table class=\"tablebody\" width=\"98%\" cellpadding=\"3\"><tr><td width=\"160\" class=\"tablebody1\" valign=\"top\">"
            f"<b>{E(u)}</b><br>头衔：居民<br>发帖：{rng.randint(1, 800)}</td>"
            f"<td class=\"tablebody2\" valign=\"top\"><span class=\"postdate\">发表时间：{date(rng)}</span>　第{i + 1}楼<hr size=\"1\">"
            f"<blockquote class=\"postbody\">" + "<br>".join(E(x) for x in p) + "</blockquote></td></tr></table>"
            for i, (u, p) in enumerate(zip(users, posts)))
        body = (
            "<table width=\"98%\" align=\"center\"><tr><td class=\"topbar\">" + nav("", NAV_BBS, "links") + "</td></tr></table>"
            + "<table width=\"98%\"><tr><td class=\"tabletitle\">主题：" + E(t["title"]) + "</td></tr></table>"
            + out
            + "<table width=\"98%\"><tr><td class=\"tablefoot\">本页共 " + str(len(posts)) + " 条帖子 | <a href=\"#\">发表回复</a></td></tr></table>"
            + footer("东坪家园论坛", rng, "copyright")
        )
    return page(t["title"], body, rng, site="社区"), thread_truth(t)


def qa_zhihu(rng, q, skin, single=False):
    answers = q["answers"][:1] if single else q["answers"]
    users = rng.sample(USERS, len(answers))
    items = "".join(
        f"<div class=\"List-item\"><div class=\"ContentItem AnswerItem\" data-zop='{{\"authorName\":\"{E(u)}\"}}'>"
        f"<div class=\"ContentItem-meta\"><div class=\"AuthorInfo\"><span class=\"UserLink AuthorInfo-name\"><a class=\"UserLink-link\" href=\"/people/{i}\">{E(u)}</a></span>"
        f"<div class=\"AuthorInfo-badge\">{rng.choice(['生活达人', '程序员', '宠物医生', '家装设计师'])}</div></div>"
        f"<div class=\"Voters\">{rng.randint(10, 5000)} 人赞同了该回答</div></div>"
        f"<div class=\"RichContent RichContent--unescapable\"><div class=\"RichContent-inner\"><span class=\"RichText ztext CopyrightRichText-richText\" itemprop=\"text\">"
        + "".join(f"<p data-pid=\"{i}{k}\">{E(x)}</p>" for k, x in enumerate(a))
        + f"</span></div><div class=\"ContentItem-time\">发布于 {date(rng)}</div>"
        f"<div class=\"ContentItem-actions\"><button>赞同</button><button>{rng.randint(1, 99)} 条评论</button><button>分享</button><button>收藏</button></div></div></div></div>"
        for i, (u, a) in enumerate(zip(users, answers)))
    if skin == "a":
        detail = f"<div class=\"QuestionRichText\"><span class=\"RichText ztext\">{E(q['detail'])}</span></div>"
        body = (
            "<header class=\"AppHeader\">" + nav("", ["首页", "会员", "发现", "等你来答"], "AppHeader-Tabs") + "</header>"
            + "<div class=\"QuestionHeader\"><h1 class=\"QuestionHeader-title\">" + E(q["title"]) + "</h1>" + detail
            + "<div class=\"QuestionHeader-footer\">关注者 " + str(rng.randint(100, 9999)) + " 被浏览 " + str(rng.randint(10000, 999999)) + "</div></div>"
            + "<div class=\"Question-main\"><div class=\"Question-mainColumn\"><div class=\"List\"><div class=\"List-header\">" + str(len(answers)) + " 个回答</div>"
            + items + "</div></div><div class=\"Question-sideColumn\">" + hot_list(rng, "相关问题", 5, "SimilarQuestions") + "</div></div>"
            + footer("问答社区", rng, "Footer")
        )
        truth = [q["detail"]] + [x for a in answers for x in a]
    else:
        body = (
            "<div class=\"AppHeader\">" + nav("", ["首页", "发现", "消息"], "Tabs") + "</div>"
            + "<div class=\"QuestionPage\"><div class=\"QuestionHeader\"><h1 class=\"QuestionHeader-title\">" + E(q["title"]) + "</h1></div>"
            + "<div class=\"Question-main\"><div class=\"QuestionAnswer-content\">" + items + "</div>"
            + "<a class=\"QuestionMainAction\" href=\"/q/1\">查看全部 " + str(len(q["answers"])) + " 个回答</a>"
            + "<div class=\"Question-sideColumn\">" + hot_list(rng, "相关推荐", 6, "Recommendations") + "</div></div></div>"
            + footer("问答社区", rng, "Footer")
        )
        truth = [x for a in answers for x in a]
    return page(q["title"], body, rng, site="问答社区"), "\n".join(truth)


def qa_comment(rng, q, skin):
    answers = q["answers"]
    users = rng.sample(USERS, len(answers))
    if skin == "a":
        items = "".join(
            f"<div class=\"comment-item\"><div class=\"comment-author\"><a href=\"/u/{i}\">{E(u)}</a> <span class=\"comment-date\">{date(rng)}</span></div>"
            f"<div class=\"comment-text\">" + "".join(f"<p>{E(x)}</p>" for x in a) + "</div>"
            f"<div class=\"comment-footer\"><a href=\"#\">赞同 {rng.randint(1, 99)}</a> <a href=\"#\">反对</a></div></div>"
            for i, (u, a) in enumerate(zip(users, answers)))
        body = (
            nav("", ["问答首页", "热门", "标签", "提问"]) + "<div class=\"qa-wrap\"><div class=\"question\">"
            + "<h1>" + E(q["title"]) + "</h1><div class=\"question-desc\">" + E(q["detail"]) + "</div>"
            + "<div class=\"question-meta\">提问于 " + date(rng) + "</div></div>"
            + "<div class=\"comment-list\"><h3>" + str(len(answers)) + " 个回答</h3>" + items + "</div>"
            + "<div class=\"qa-side\">" + hot_list(rng, "相似问题") + "</div></div>" + footer("邻里问答", rng)
        )
    else:
        items = "".join(
            f"<li class=\"comment-reply\" id=\"comment-{100 + i}\"><div class=\"comment-head\"><cite>{E(u)}</cite> 回答于 {date(rng)}</div>"
            f"<div class=\"comment-body\">" + "".join(f"<p>{E(x)}</p>" for x in a) + "</div>"
            f"<div class=\"comment-vote\">有用({rng.randint(0, 50)})</div></li>"
            for i, (u, a) in enumerate(zip(users, answers)))
        body = (
            "<div id=\"header\">" + nav("", ["首页", "分类", "达人", "我的"], "menu") + "</div><div id=\"content\">"
            + "<div class=\"ask\"><h1 class=\"ask-title\">" + E(q["title"]) + "</h1><p class=\"ask-detail\">" + E(q["detail"]) + "</p></div>"
            + "<ol class=\"commentlist\">" + items + "</ol>"
            + "<div id=\"respond\"><h3>我来回答</h3><textarea></textarea></div></div>"
            + "<div id=\"sidebar\">" + hot_list(rng, "待解决问题") + "</div>" + footer("生活知道", rng, "footer")
        )
    truth = [q["detail"]] + [x for a in answers for x in a]
    return page(q["title"], body, rng, site="问答"), "\n".join(truth)


# ---------------------------------------------------------------- the two halves


def gbk(fn):
    """Marks a page to be written in GBK with a GBK `<meta charset>`."""
    return ("gbk", fn)


def pages():
    """(half, name, builder). The held-out half uses skin "b" everywhere and other texts."""
    T, Q = THREADS, QAS
    tune = [
        ("news_plain-01", lambda r: news_plain(r, "flood", "a")),
        ("news_plain-02", lambda r: news_plain(r, "market", "a")),
        ("news_comments-01", lambda r: news_comments(r, "school", "a")),
        ("portal_recommend-01", lambda r: portal_recommend(r, "bus", "a")),
        ("portal_recommend-02", lambda r: portal_recommend(r, "library", "a")),
        ("portal_next_story-01", lambda r: portal_next_story(r, "fire", "garbage", "a")),
        ("two_blocks-01", lambda r: two_blocks(r, "factory", "road", "a")),
        ("poem_breadcrumb-01", lambda r: poem_breadcrumb(r, POEMS[0], "a")),
        ("reviews-01", lambda r: reviews(r, "a")),
        ("csdn-01", lambda r: csdn(r, "a")),
        ("gov_notice-01", lambda r: gov_notice(r, NOTICES[0], "a")),
        ("gov_notice-02", lambda r: gov_notice(r, NOTICES[1], "a")),
        ("thread_discuz-01", lambda r: thread_discuz(r, T[0], "a")),
        ("thread_discuz-02", lambda r: thread_discuz(r, T[1], "a")),
        ("thread_tieba-01", lambda r: thread_tieba(r, T[2], "a")),
        ("thread_bbs-01", lambda r: thread_bbs(r, T[3], "a")),
        ("attachment-01", lambda r: thread_discuz(r, T[0], "a", ("商标审查标准.pdf", [], "分享一份商标审查标准，需要的自取"))),
        ("qa_zhihu-01", lambda r: qa_zhihu(r, Q[0], "a")),
        ("qa_zhihu-02", lambda r: qa_zhihu(r, Q[1], "a", single=True)),
        ("qa_comment-01", lambda r: qa_comment(r, Q[2], "a")),
        ("gbk_news-01", gbk(lambda r: news_plain(r, "hospital", "a"))),
        ("gbk_thread-01", gbk(lambda r: thread_discuz(r, T[4], "a"))),
    ]
    heldout = [
        ("news_plain-01", lambda r: news_plain(r, "tea", "b")),
        ("news_plain-02", lambda r: news_plain(r, "museum", "b")),
        ("news_comments-01", lambda r: news_comments(r, "road", "b")),
        ("portal_recommend-01", lambda r: portal_recommend(r, "hospital", "b")),
        ("portal_recommend-02", lambda r: portal_recommend(r, "garbage", "b")),
        ("portal_next_story-01", lambda r: portal_next_story(r, "factory", "tea", "b")),
        ("two_blocks-01", lambda r: two_blocks(r, "bus", "museum", "b")),
        ("poem_breadcrumb-01", lambda r: poem_breadcrumb(r, POEMS[1], "b")),
        ("reviews-01", lambda r: reviews(r, "b")),
        ("csdn-01", lambda r: csdn(r, "b")),
        ("gov_notice-01", lambda r: gov_notice(r, NOTICES[1], "b")),
        ("gov_notice-02", lambda r: gov_notice(r, NOTICES[0], "b")),
        ("thread_discuz-01", lambda r: thread_discuz(r, T[5], "b")),
        ("thread_discuz-02", lambda r: thread_discuz(r, T[2], "b")),
        ("thread_tieba-01", lambda r: thread_tieba(r, T[3], "b")),
        ("thread_bbs-01", lambda r: thread_bbs(r, T[1], "b")),
        ("attachment-01", lambda r: thread_discuz(r, T[0], "b", ("二〇二六年度补贴申报表.xlsx", ["已下载，谢谢整理。"], "补贴申报表格下载"))),
        ("qa_zhihu-01", lambda r: qa_zhihu(r, Q[2], "b", single=True)),
        ("qa_zhihu-02", lambda r: qa_zhihu(r, Q[0], "b", single=True)),
        ("qa_comment-01", lambda r: qa_comment(r, Q[1], "b")),
        ("gbk_news-01", gbk(lambda r: news_comments(r, "fire", "b"))),
        ("gbk_thread-01", gbk(lambda r: thread_bbs(r, T[5], "b"))),
    ]
    for name, b in tune:
        yield "tune", name, b
    for name, b in heldout:
        yield "heldout", name, b


def main():
    for half, name, builder in pages():
        enc = "utf-8"
        if isinstance(builder, tuple):
            enc, builder = builder
        rng = random.Random(f"{half}/{name}")
        html_text, truth = builder(rng)
        if enc == "gbk":
            html_text = html_text.replace("<meta charset=\"utf-8\">", "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">")
        d = os.path.join(ROOT, half)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name + ".html"), "wb") as f:
            f.write(html_text.encode(enc, errors="xmlcharrefreplace"))
        with open(os.path.join(d, name + ".txt"), "w", encoding="utf-8") as f:
            f.write(truth + "\n")
    print("written to", os.path.normpath(ROOT))


if __name__ == "__main__":
    main()
