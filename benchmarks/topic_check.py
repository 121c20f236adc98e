"""Do topic words carry the label? A check of the corpus, run by hand.

    python benchmarks/topic_check.py [--per-area 25] [--min-df 3] [--show 8] [--slice topa]

Every corpus document's `subject` is mapped to a topic area (the table AREAS below; '其他' when a
subject is not in it). Topic words are chosen without looking at any label: the words (jieba
through screening.model.segment.Segmenter with corpus/dict) most associated with each topic area — per
area, the top --per-area words by chi² of word presence vs "in this area", counting only words
more frequent inside the area than outside and found in at least --min-df documents — after
removing document-type and legal function words (STOP, 第…条). Then a logistic regression is
trained on those words alone (binary presence) to predict the label, in 5-fold stratified
cross-validation, for two tasks: the three labels, and normative-in-kind (normative + repeal)
vs non_normative. Its macro-F1 is printed beside two baselines: the majority label of the
document's topic area (learned on the training folds) and chance (random guesses in the label
proportions, averaged over 20 seeds). If topic words carried no label beyond the topic area,
the topic-word model would score about as the area-majority baseline; the further above it
scores, the more the corpus lets topic vocabulary stand for the law. Per area it prints the
label counts, the area's top topic words and how often each method is right inside the area.

Standard library, numpy and scikit-learn only. Nothing is saved.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.feature_selection import chi2
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LABELS = ("normative", "non_normative", "repeal")


def _words(spaced: str) -> tuple[str, ...]:
    return tuple(spaced.split())


# Topic area -> the corpus subjects it holds. A subject not listed falls to '其他'.
AREAS: dict[str, tuple[str, ...]] = {
    "专项资金与补贴": _words(
        "专项资金与补贴 财政专项资金 财政资金 交通资金 农业补贴 耕地地力保护补贴 就业补贴 "
        "小微企业扶持 产业扶持 创业扶持 企业培育 产业发展 科技创新 招商引资 消费促进"
    ),
    "政府投资项目": _words(
        "政府投资项目 政府投资 政府投资项目管理 项目审批 村级工程 城市基础设施建设 公共资源交易"
    ),
    "住房与房屋管理": _words(
        "住房与房屋管理 物业管理 住房保障 城市更新 老旧小区改造 房地产市场 出租房屋管理 "
        "商品房预售资金监管 住房公积金 住宅专项维修资金 国有土地上房屋征收 房屋安全 住房租赁 "
        "住房管理 住房租赁管理 房屋租赁 房屋征收补偿 房屋征收 既有住宅加装电梯 出租屋管理 "
        "农村自建房安全"
    ),
    "建设工程管理": _words(
        "建设工程管理 建筑市场 工程质量 工程建设标准 施工现场管理 工程招标投标 工程建设招标"
    ),
    "土地与规划": _words(
        "土地与规划 城乡规划 土地管理 国土空间规划 耕地保护 不动产登记 历史风貌保护 "
        "历史文化保护 古镇保护"
    ),
    "公用事业（供水排水燃气）": _words(
        "公用事业（供水排水燃气） 城镇燃气 供水供电 供热管理 城市排水 城镇燃气安全 城镇供热 "
        "城镇供水 城市供热 城市供水 燃气安全 农村供水 充电设施 能源管理"
    ),
    "应急与安全生产": _words(
        "应急与安全生产 消防安全 安全生产 煤矿安全 森林草原防火 应急管理 防汛抗旱 地质灾害防治 "
        "森林防火 电动自行车消防安全 公共安全 特种设备安全 烟花爆竹管理 防汛应急 "
        "防汛和城市内涝应急 出租房屋消防安全 值班值守"
    ),
    "文化旅游体育": _words(
        "文化旅游体育 乡村旅游 文化旅游 冰雪旅游 公共文化服务 非物质文化遗产 旅游民宿 旅游市场 "
        "乡村民宿管理 体育场所安全"
    ),
    "农业农村": _words(
        "扶贫与乡村振兴 农村集体经济 农村宅基地 粮食收购 海洋渔业 草原保护 林业 移民搬迁 "
        "高标准农田 土地承包经营 农村集体资产 黑土地保护 渔业 国有林区 渔业管理 农村集体资产管理 "
        "农村宅基地管理 农村土地流转 种业管理 草原资源 林业管理 农田建设 农村集体资产清产核资 "
        "农村宅基地和村民建房 农村土地经营权流转 农村土地承包经营权流转 农产品收购 农业合作社 "
        "农业农资 乡风文明 粮食储备 水利 水资源 水资源管理 河道管理 农村建房 农村建房管理"
    ),
    "交通运输": _words(
        "交通运输 道路运输 港口航运 交通安全 网约车 共享单车 道路交通管理 道路交通 交通管理 "
        "汽车租赁 互联网租赁自行车 互联网租赁自行车管理 道路货运 道路停车 机动车停车 停车管理 "
        "船舶管理 网约车经营服务 机动车维修 农村公路 城市公共交通 快递服务 电动自行车管理"
    ),
    "生态环境与市容": _words(
        "生态环境 市容管理 垃圾分类 大气污染防治 扬尘治理 扬尘污染防治 生活垃圾分类 生活垃圾管理 "
        "餐厨垃圾管理 建筑垃圾 建筑垃圾管理 市容环境卫生 市容环境 环境卫生 户外招牌管理 门店招牌设置 "
        "户外广告管理 户外广告 河湖长制 秸秆禁烧和综合利用 医疗废物管理 农村人居环境 "
        "农村人居环境整治 农村环境卫生 农村生活污水治理 人居环境 施工噪声管理 建筑施工扬尘防治"
    ),
    "教育卫生": _words(
        "义务教育 职业教育 医疗卫生 医疗保障 托育服务 学校安全 校外培训 学前教育 教育 公共卫生应急 "
        "公共卫生 计划生育与人口 人口与计划生育 基层卫生培训 医疗纠纷调解 新型农村合作医疗筹资 "
        "教育安全 校外培训监管 校外培训收费监管"
    ),
    "民政与社会事务": _words(
        "养老服务 社会救助 殡葬管理 退役军人服务 残疾人保障 慈善捐赠 志愿服务 征兵优待 婚姻登记 "
        "收养登记 最低生活保障 老龄服务 居家养老服务补贴 户籍与居住证 民族宗教事务 地名管理 "
        "行政区划 侨务"
    ),
    "市场监管": _words(
        "市场监管 食品安全 价格管理 市场管理 知识产权 集贸市场管理 药品监管 商贸流通 食用农产品市场 "
        "食用农产品安全 食品生产监管 计量监管 计量监督 网络交易监管 价格监管 收费管理 农贸市场管理 "
        "农贸市场 农村集体聚餐食品安全 集贸市场摊位管理 夜间经济摊区管理 汽车流通 农产品质量安全 "
        "信用体系 社会信用 外商投资 对外投资 对外贸易 加工贸易 边境贸易 海关监管"
    ),
    "人社就业": _words(
        "社会保险 就业创业 人才引进 工伤保险 农民工工资保障 农民工工资支付 农民工实名制管理 "
        "劳动用工 劳动保障 就业 就业服务 就业促进 工资支付 劳动工资 人力资源市场 职业技能评价 "
        "职业技能培训 企业年金 社会保障"
    ),
    "城市管理与基层治理": _words(
        "城市管理 基层治理 网格化管理 社区工作者 社区工作者管理 社区管理 违法建设治理 城市道路管理 "
        "城市道路挖掘管理 养犬管理 文明养犬 流动人口管理 社会治安 平安建设 精神文明建设 反电信网络诈骗"
    ),
    "财政金融": _words(
        "税收征管 政府采购 国有资产管理 国有资产 非税收入 财政管理 会计管理 出口退税 个人所得税 "
        "企业所得税 发票管理 税收调研 会计监督 企业财务 财政票据 融资担保 农村金融 国有金融资本 "
        "审计整改 国库管理"
    ),
    "综合政务": _words(
        "综合政务 政务公开 机关内部管理 统计调查 统计管理 档案管理 行政审批改革 法治政府建设 "
        "机构编制 政务服务 数据资源管理 人事管理 法治建设 机关管理 机关事务 信息化建设 人事任免 "
        "转发文件 表彰奖励 政策制定 政府自身建设 政府年度工作 政务督查 干部培训 会议组织 工作要点 "
        "公文管理 机关公文管理 机关公务用车管理 公务用车 人员管理 优化营商环境 边境管理"
    ),
    "中央金融监管": _words(
        "外汇管理 支付结算 征信管理 反洗钱 保险监管 银行业监管 金融统计 金融消费者保护 货币金银 "
        "金融监管 证券期货监管 人民币现金管理 现金管理 信贷管理 黄金市场 银行服务收费 银行服务 "
        "银行卡安全 金融标准 金融教育 跨境人民币 货币政策 货币发行 账户管理 证券经纪 证券监管 "
        "证券投资咨询 监管数据 理财业务 票据管理 普惠金融 支付机构监管 支付服务 利率管理 "
        "人民币流通管理 网络借贷 保险服务"
    ),
}
OTHER = "其他"
AREA_OF = {subject: area for area, subjects in AREAS.items() for subject in subjects}

# Document-type and legal function words: they mark genre and legal form, not topic.
STOP = set(
    _words(
        "办法 管理办法 实施办法 暂行办法 规定 暂行规定 细则 实施细则 通知 方案 工作方案 实施方案 "
        "行动方案 意见 实施意见 决定 批复 函 复函 纪要 会议纪要 报告 请示 要点 总结 通报 公告 通告 "
        "措施 若干 规则 制度 指南 导则 标准 预案 应急预案 讲话 "
        "应当 应 须 必须 要 可以 不得 禁止 "
        "施行 有效期 印发 废止 停止 执行 试行 暂行 规 登记 编号 登记编号 解释 负责 "
        "规范性文件 合法性审查 备案 现行 "
        "本办法 本规定 本细则 本通知 本方案 本意见 本措施 之日起 自 起 至 止 年 月 日 号 "
        "条 章 款 项 节 附件 附则 总则 第"
    )
)
FUNCTION_FORM = re.compile(
    r"^(第[一二三四五六七八九十百零〇\d]+[条章款项节]|本.{1,3}[法定则知案见施])$"
)
CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def topic_area(subject: str) -> str:
    """The area a subject belongs to; an area's own name (the topic slices' subjects) is itself."""
    if subject in AREAS:
        return subject
    return AREA_OF.get(subject, OTHER)


def words_of(text: str, cut) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        w
        for w in cut(text)
        if CJK.match(w) and w not in STOP and not FUNCTION_FORM.match(w) and "〇" not in w
    }


def choose_topic_words(
    presence: np.ndarray, vocab: list[str], areas: np.ndarray, per_area: int
) -> dict[str, list[str]]:
    """Per area, the words most associated with it (chi², positive association only)."""
    chosen: dict[str, list[str]] = {}
    for area in sorted(set(areas)):
        inside = areas == area
        scores, _ = chi2(presence, inside)
        scores = np.nan_to_num(scores)
        rate_in = presence[inside].mean(axis=0)
        rate_out = presence[~inside].mean(axis=0) if (~inside).any() else np.zeros(len(vocab))
        scores[rate_in <= rate_out] = 0.0
        order = np.argsort(-scores, kind="stable")
        chosen[area] = [vocab[i] for i in order[:per_area] if scores[i] > 0]
    return chosen


def majority_by_area(areas: np.ndarray, y: np.ndarray) -> dict[str, object]:
    overall = Counter(y.tolist()).most_common(1)[0][0]
    table: dict[str, object] = {"": overall}
    for area in set(areas):
        counts = Counter(y[areas == area].tolist())
        table[area] = max(sorted(counts), key=lambda k: counts[k])
    return table


def cross_validate(x: np.ndarray, y: np.ndarray, areas: np.ndarray, seed: int = 0):  # type: ignore[no-untyped-def]
    """Out-of-fold predictions of the topic-word model and of the area-majority baseline."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    words = np.empty(len(y), dtype=object)
    majority = np.empty(len(y), dtype=object)
    for train, test in folds.split(x, y):
        model = LogisticRegression(max_iter=5000, class_weight="balanced")
        model.fit(x[train], y[train])
        words[test] = model.predict(x[test])
        table = majority_by_area(areas[train], y[train])
        majority[test] = [table.get(a, table[""]) for a in areas[test]]
    return words, majority


def chance_f1(y: np.ndarray, seeds: int = 20) -> float:
    scores = []
    for seed in range(seeds):
        dummy = DummyClassifier(strategy="stratified", random_state=seed)
        dummy.fit(np.zeros((len(y), 1)), y)
        scores.append(f1_score(y, dummy.predict(np.zeros((len(y), 1))), average="macro"))
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-area", type=int, default=25, help="topic words kept per area")
    parser.add_argument("--min-df", type=int, default=3, help="least documents a word is in")
    parser.add_argument("--show", type=int, default=8, help="topic words printed per area")
    parser.add_argument(
        "--slice", action="append", default=[], help="also score the documents of this slice alone"
    )
    args = parser.parse_args()

    from screening.model.corpus import load_corpus
    from screening.model.segment import Segmenter

    docs = load_corpus(REPO / "corpus")
    segmenter = Segmenter.from_file(REPO / "corpus" / "dict" / "legal.dict")
    areas = np.array([topic_area(d.meta["subject"]) for d in docs])
    y3 = np.array([d.label for d in docs])
    y2 = np.array(
        ["non_normative" if d.label == "non_normative" else "normative_kind" for d in docs]
    )

    bags = [words_of(d.text, segmenter.cut) for d in docs]
    df = Counter(w for bag in bags for w in bag)
    vocab = sorted(w for w, n in df.items() if n >= args.min_df)
    index = {w: i for i, w in enumerate(vocab)}
    presence = np.zeros((len(docs), len(vocab)), dtype=np.float64)
    for row, bag in enumerate(bags):
        for w in bag:
            if w in index:
                presence[row, index[w]] = 1.0

    chosen = choose_topic_words(presence, vocab, areas, args.per_area)
    topic_words = sorted({w for ws in chosen.values() for w in ws})
    x = presence[:, [index[w] for w in topic_words]]

    subjects = Counter(d.meta["subject"] for d in docs)
    unmapped = sorted(s for s in subjects if topic_area(s) == OTHER)
    print(
        f"{len(docs)} documents, {len(subjects)} subjects in {len(set(areas))} topic areas; "
        f"{len(unmapped)} subjects ({sum(subjects[s] for s in unmapped)} documents) fall to "
        f"{OTHER}{': ' + '、'.join(unmapped) if unmapped else ''}"
    )
    print(
        f"topic words: {len(topic_words)} (top {args.per_area} per area by chi², "
        f"document frequency >= {args.min_df}, from a vocabulary of {len(vocab)})"
    )
    print()

    results = {}
    print(
        "task                                  topic words  area majority  chance   words - majority"
    )
    for name, y in (("3 labels", y3), ("normative-in-kind vs non_normative", y2)):
        words, majority = cross_validate(x, y, areas)
        f_words = f1_score(y, words.astype(str), average="macro")
        f_major = f1_score(y, majority.astype(str), average="macro")
        f_chance = chance_f1(y)
        results[name] = (words, majority)
        print(
            f"{name:<36} {f_words:>12.3f} {f_major:>14.3f} {f_chance:>7.3f} {f_words - f_major:>+18.3f}"
        )
    print("(macro-F1, 5-fold stratified cross-validation, seed 0)")
    slices = np.array([d.path.parent.name if d.path else "" for d in docs])
    for name in args.slice:
        inside = slices == name
        if not inside.any():
            sys.exit(f"no documents in slice {name!r}")
        for task, y in (("3 labels", y3), ("normative-in-kind vs non_normative", y2)):
            words, majority = results[task]
            f_words = f1_score(y[inside], words[inside].astype(str), average="macro")
            f_major = f1_score(y[inside], majority[inside].astype(str), average="macro")
            print(
                f"  slice {name} ({int(inside.sum())} docs), {task}: topic words {f_words:.3f}, "
                f"area majority {f_major:.3f}, difference {f_words - f_major:+.3f}"
            )
    print()

    words, majority = results["3 labels"]
    print(
        "topic area                  docs  norm  non  rep  majority      right: words  majority  "
        "top topic words"
    )
    table = majority_by_area(areas, y3)
    for area in sorted(set(areas), key=lambda a: (-int((areas == a).sum()), a)):
        inside = areas == area
        counts = Counter(y3[inside].tolist())
        right_words = float((words[inside] == y3[inside]).mean())
        right_major = float((majority[inside] == y3[inside]).mean())
        print(
            f"{area:<20}{'':{max(0, 12 - len(area))}}{int(inside.sum()):>5} "
            f"{counts['normative']:>5} {counts['non_normative']:>4} {counts['repeal']:>4}  "
            f"{table[area]:<13} {right_words:>12.2f} {right_major:>9.2f}  "
            f"{'、'.join(chosen.get(area, [])[: args.show])}"
        )
    print()
    scores, _ = chi2(x, y3)
    scores = np.nan_to_num(scores)
    top = np.argsort(-scores, kind="stable")[: args.show * 2]
    print("topic words that lean most to one label (chi² vs the 3 labels; normative/non/repeal):")
    print(
        "  "
        + "  ".join(
            f"{topic_words[i]} {int(x[y3 == 'normative', i].sum())}/"
            f"{int(x[y3 == 'non_normative', i].sum())}/{int(x[y3 == 'repeal', i].sum())}"
            for i in top
        )
    )
    print(
        "  (share of the corpus: "
        + "/".join(f"{(y3 == label).mean():.2f}" for label in LABELS)
        + ")"
    )
    print()
    print(
        "Reading: 'words - majority' near 0 means the topic words tell no more about the label "
        "than the topic area itself; a large positive value means topic vocabulary carries the "
        "label in this corpus."
    )


if __name__ == "__main__":
    main()
