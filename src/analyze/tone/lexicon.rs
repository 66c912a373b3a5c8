//! The tone lexicon: polar words and phrases of Chinese local news and public-opinion work,
//! with negations and degree words.
//!
//! Provenance: written by the yuqing developers for this project (no third-party lexicon was
//! copied); released under the project's licence. Words are grouped by theme, separated by
//! spaces; the longest match wins (`安全隐患` over `隐患`), so a phrase may refine a word; a
//! word listed twice keeps its first weight, and the weak lists come first: a word there is
//! weak wherever else it is listed.

/// Weakly positive: the vocabulary of every official report (发展、提升、创新 …) and of market
/// figures. Common in neutral news, so each counts little.
pub const POSITIVE_WEAK: &[&str] = &[
    "提升 增长 优化 完善 助力 带动 丰富 便利 便捷 高效 有序 整洁 创新 突破 领先 示范 标杆 亮点",
    "文明 和谐 繁荣 振兴 进步 平安 幸福 美丽 温暖 贴心 团结 友谊 肯定 认可 改善 恢复 修复 顺利",
    "建成 竣工 落成 开通 投用 启用 开业 通车 亮相 开馆 崭新 大美 不负 成功 胜利",
    "上涨 新高 创新高 受益 惠及 造福 赋能 合作共赢 战略合作 签约 中标 入选 利好 红利 好转 回暖 复苏",
];

/// Weakly negative: words of commentary and analysis as much as of bad news.
pub const NEGATIVE_WEAK: &[&str] = &[
    "困难 困境 艰难 担忧 焦虑 质疑 争议 矛盾 冲突 危险 批评 警告 无奈 失败 下滑 恶化 严峻",
    "短缺 紧缺 威胁 指责 损失 损害 误导 不实 漏洞 缺陷 冻结 上涨 涨价 停业 故障",
];

/// Strongly negative: harm to people, disasters, crimes, official censure.
pub const NEGATIVE_STRONG: &[&str] = &[
    "死亡 身亡 遇难 丧生 殒命 致死 致人死亡 伤亡 死伤 重伤 遇害 溺亡 坠亡 猝死 自杀 轻生 跳楼",
    "爆炸 坍塌 塌陷 倒塌 垮塌 火灾 失火 起火 着火 燃爆 泄漏 中毒 矿难 事故 车祸 撞死 碾压",
    "杀人 命案 凶杀 砍伤 持刀 行凶 殴打 斗殴 群殴 绑架 拐卖 性侵 猥亵 强奸 抢劫 抢夺 盗窃 偷盗",
    "诈骗 传销 非法集资 跑路 暴雷 卷款 贪污 受贿 行贿 腐败 渎职 失职 滥用职权 违纪违法 严重违纪",
    "通报批评 被查 落马 立案审查 双开 开除党籍 被捕 刑拘 刑事拘留 逮捕 判刑 获刑 问责 被处分",
    "欠薪 拖欠工资 讨薪 讨要工资 维权 上访 群体性事件 围堵 暴力执法 打人 堵路 罢工",
    "食物中毒 疫情暴发 污染 排污 偷排 毒气 恶臭 黑臭 水质超标 致癌 有毒",
    "烂尾 逃逸 肇事 失踪 被困 困人",
    // Finance and companies in trouble (P2P platforms, listed firms, banks).
    "爆雷 集资诈骗 非法吸收公众存款 非法吸存 庞氏骗局 资金链断裂 卷款跑路 失联 兑付危机 挤兑",
    "无法提现 提现困难 停止兑付 延期兑付 逾期未还 债务违约 资不抵债 破产清算 强制退市 爆仓 崩盘",
    "财务造假 欺诈发行 内幕交易 操纵市场 操纵股价 违规披露 信披违规 非法经营 非法放贷 暴力催收",
    "失信被执行人 老赖 限制高消费 畏罪潜逃 潜逃 在逃 通缉",
    // Crime and courts.
    "立案侦查 立案调查 被立案 涉嫌犯罪 涉嫌诈骗 有期徒刑 无期徒刑 死刑 被判 判处 抓获 落网 被抓",
    "黑恶势力 涉黑 涉恶 恶势力 走私 贩毒 吸毒 赌博 聚众赌博 洗钱 偷税 逃税 骗保 骗取 冒充 伪造",
    "血案 惨案 悲剧 丑闻 黑幕 骗局 坑害 宰客 霸王条款 校园贷 裸贷 砍头息 盗刷 泄露 信息泄露",
];

/// Negative: complaints, problems, disorder, hardship, criticism.
pub const NEGATIVE: &[&str] = &[
    "受伤 伤者 损毁 烧毁 被毁 损失 隐患 安全隐患 险情 危险 危房 隐瞒 瞒报 谎报 造假 虚假 不实",
    "投诉 反映问题 不满 抱怨 质疑 吐槽 曝光 怒斥 愤怒 气愤 无奈 焦虑 担忧 恐慌 痛心",
    "纠纷 争议 矛盾 冲突 争吵 扯皮 推诿 敷衍 不作为 乱作为 慢作为 懒政 官僚主义 形式主义",
    "违法 违规 违章 违建 违法建设 私搭乱建 乱搭乱建 占道 乱停乱放 乱收费 乱罚款 强拆",
    "扰民 噪音 噪声 油烟 异味 臭味 脏乱 脏乱差 垃圾成堆 污水 积水 内涝 漏水 渗水 停水 停电 断电",
    "堵塞 拥堵 堵车 瘫痪 故障 失灵 破损 损坏 老化 裂缝 沉降 坑洼 下陷 脱落 坠落 高空抛物",
    "困难 困境 艰难 受困 被骗 上当 受骗 损害 侵害 侵权 侵占 霸凌 欺凌 歧视 威胁 恐吓 骚扰",
    "罚款 处罚 查处 取缔 关停 责令 约谈 警告 批评 处分 追责 涉嫌 嫌疑人 犯罪 停工",
    "失业 裁员 倒闭 降薪 欠款 欠费 债务 拖欠 逾期 套路贷 高利贷 催收",
    "延误 滞留 中断 短缺 紧缺 涨价 哄抬 缺斤短两 假冒 伪劣 过期 变质 三无",
    "告急 暴雨 洪水 台风 地震 冰雹 暴雪 寒潮 干旱 山体滑坡 泥石流 灾害 受灾 灾情",
    "病危 病故 抢救 患病 确诊 感染 走失",
    "拒不 拒付 拒赔 迟迟 屡次 多次反映 至今未 无人管 没人管",
    "失败 亏损 下滑 恶化 严峻 混乱 无序 失控",
    "影响出行 影响休息 影响生活 苦不堪言 怨声载道 叫苦不迭 忍无可忍",
    "被指 作秀 群嘲 暂停营业 停业 煽暴 暴乱 霸权 不得人心 指责 抹黑 干涉 制裁 谴责 抗议 新增确诊 本土确诊 变异毒株",
    // Markets and companies.
    "违约 逾期 清退 清盘 停业整顿 退市 暴跌 大跌 跌停 跳水 巨亏 净亏损 亏损额 业绩下滑 营收下滑 利润下滑",
    "缩水 蒸发 承压 低迷 疲软 萎缩 滞销 积压 断供 停产 破产 冻结 查封 扣押 强制执行 被执行人",
    "被告 被诉 起诉 诉讼 索赔 败诉 召回 质量问题 不合格 抽检不合格 超标 假货 山寨 盗版 抄袭 剽窃",
    "行政处罚 处罚决定 罚单 被罚 监管函 问询函 警示函 关注函 责令整改 违规操作 违规经营 违规放贷",
    "虚假宣传 虚假广告 误导 诱导 强制消费 捆绑销售 乱象 陷阱 套路 割韭菜 差评 声讨 口诛笔伐",
    "理赔难 退款难 退货难 维权难 看病难 上学难 停车难 办事难 拒赔 推卸 漏洞 缺陷 雾霾 黑客",
    "偷拍 不雅 低俗 封禁 封号 下架 翻车 塌房 道歉 致歉 穷困潦倒 潦倒 落魄",
    "会计差错 差错更正 预亏 业绩预亏 商誉减值 暂停上市 退市风险 风险警示 驳斥 反驳 再驳 批驳 抵制",
];

/// Positive: achievements, services done, praise.
pub const POSITIVE: &[&str] = &[
    "满意 好评 点赞 称赞 赞扬 赞誉 肯定 认可 感谢 感激 致谢 锦旗 暖心 温暖 贴心 便民 惠民 利民",
    "顺利 圆满 成功 建成 竣工 落成 开通 投用 启用 开业 通车 化解 修复 恢复 改善",
    "提升 增长 优化 完善 助力 带动 丰富 便利 便捷 高效 有序 整洁 美丽",
    "平安 和谐 幸福 文明 繁荣 振兴 进步 创新 突破 领先 示范 标杆 亮点",
    "喜迎 喜获 丰收 欢乐 喜庆 热闹 精彩 欢声笑语 其乐融融 志愿服务 义诊 慰问 关爱 帮扶",
    "见义勇为 拾金不昧 助人为乐 热心 爱心 捐赠 捐款 奉献",
    "心潮澎湃 凯旋 亮相 开馆 好消息 崭新 惊艳 上榜 全省第一 全国第一 感动 大美 不负 团结 友谊 点赞 无新增 喜报 致敬 圆满成功",
    // Markets and companies.
    "上涨 大涨 涨停 创新高 新高 盈利 扭亏为盈 扭亏 净利润增长 营收增长 获批 中标 签约 战略合作 合作共赢",
    "入选 荣登 登顶 夺冠 获胜 胜利 好转 回暖 复苏 利好 红利 受益 惠及 造福 赋能",
];

/// Strongly positive: honours and awards.
pub const POSITIVE_STRONG: &[&str] = &[
    "荣获 获评 获誉 授予 表彰 嘉奖 获奖 荣誉称号 先进集体 先进个人 先进单位 优秀 模范 标兵",
    "全国文明 文明城市 文明社区 五星 金奖 一等奖 冠军",
];

/// Titles with these frame an article as a warning, a drill, education or a rebuttal (a
/// warning is not an incident): its negative words count much less.
pub const WARNING_FRAMES: &[&str] = &[
    "辟谣",
    "谣言",
    "演练",
    "演习",
    "提醒",
    "提示",
    "警惕",
    "谨防",
    "当心",
    "防范",
    "科普",
    "普及",
    "知识",
    "宣传",
    "讲座",
    "培训",
    "指南",
    "攻略",
    "如何",
    "怎么办",
];

/// Negations: a polar word right after one of these is negated.
pub const NEGATIONS: &[&str] = &[
    "不", "未", "没有", "没", "无", "并非", "并未", "非", "别", "勿", "尚未", "从未", "毫无",
    "未曾", "杜绝", "避免", "防止", "谨防", "预防", "排除",
];

/// Words that begin like a negation but do not negate what follows.
pub const NOT_NEGATIONS: &[&str] = &[
    "不久",
    "不少",
    "不断",
    "不仅",
    "不但",
    "不过",
    "不同",
    "不时",
    "不幸",
    "不得不",
    "不管",
    "不论",
    "无论",
    "无数",
    "无辜",
    "非常",
    "非法",
    "无法",
    "无视",
    "毫无疑问",
    "没想到",
    "不料",
    // 不容霸权: a condemnation, not a denial.
    "不容",
];

/// Degree words: a polar word right after one of these counts more.
pub const DEGREE: &[&str] = &[
    "非常", "十分", "极其", "极为", "特别", "格外", "相当", "严重", "彻底", "完全", "太", "最",
    "更加", "大幅",
];
