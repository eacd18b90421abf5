"""The built-in project templates, in English and Simplified Chinese.

Loaded by ``playbooks.services.builtin_templates_load`` (from a data migration, ``accord demo``
and ``manage.py load_project_templates``). Keys are stable: loading again updates in place.
"""


def t(en: str, zh: str) -> dict:
    return {"en": en, "zh-hans": zh}


def ms(offset: int, en: str, zh: str) -> dict:
    return {"offset_days": offset, "name": t(en, zh)}


def plan(audience: str, channel: str, cadence: str, en: str, zh: str) -> dict:
    return {"audience": audience, "channel": channel, "cadence": cadence, "purpose": t(en, zh)}


def risk(
    category: str,
    p: int,
    i: int,
    en: str,
    zh: str,
    mit_en: str,
    mit_zh: str,
    trig_en: str = "",
    trig_zh: str = "",
) -> dict:
    return {
        "category": category,
        "probability": p,
        "impact": i,
        "title": t(en, zh),
        "mitigation": t(mit_en, mit_zh),
        "triggers": t(trig_en, trig_zh),
    }


def need(priority: str, en: str, zh: str, acc_en: str, acc_zh: str) -> dict:
    return {"priority": priority, "title": t(en, zh), "acceptance_criteria": t(acc_en, acc_zh)}


STANDARD_PLAN = [
    plan(
        "sponsor",
        "email",
        "biweekly",
        "Status report: progress, risks, decisions needed",
        "项目状态报告：进展、风险、待决事项",
    ),
    plan(
        "key_user",
        "meeting",
        "weekly",
        "Weekly status meeting with minutes and action items",
        "每周例会，发送会议纪要和待办事项",
    ),
    plan("decision_maker", "meeting", "milestone", "Milestone review and sign-off", "里程碑评审与签字确认"),
]

BUILTIN_TEMPLATES = [
    {
        "key": "software-implementation",
        "industry": "software",
        "duration_days": 120,
        "name": t("Software / IT implementation", "软件 / IT 实施项目"),
        "description": t(
            "Requirements, configuration, data migration, testing, training "
            "and go-live of a business system.",
            "业务系统的需求调研、配置开发、数据迁移、测试、培训与上线。",
        ),
        "milestones": [
            ms(14, "Requirements signed off", "需求确认签字"),
            ms(45, "Solution design approved", "方案设计评审通过"),
            ms(80, "System integration test passed", "系统集成测试通过"),
            ms(100, "User acceptance test passed", "用户验收测试通过"),
            ms(110, "Go-live", "系统上线"),
            ms(120, "Hypercare ends, project closed", "上线支持结束，项目收尾"),
        ],
        "comms_plan": STANDARD_PLAN
        + [
            plan(
                "key_user",
                "wecom",
                "weekly",
                "Issue and test-status updates in the project group",
                "在项目群中同步问题和测试进展",
            )
        ],
        "risks": [
            risk(
                "requirement_change",
                4,
                4,
                "Scope creep during configuration",
                "实施过程中需求蔓延",
                "Freeze requirements at sign-off; route every addition through a change request",
                "需求签字后冻结；新增需求一律走变更请求",
                "New requests in workshops after sign-off",
                "需求确认后调研会上仍不断提出新需求",
            ),
            risk(
                "technical",
                3,
                4,
                "Legacy data is incomplete or dirty",
                "历史数据不完整或质量差",
                "Profile the data early; agree cleansing owners on the client side",
                "尽早做数据质量分析；明确客户方数据清理负责人",
                "Trial migration error rate above 2%",
                "试迁移错误率超过 2%",
            ),
            risk(
                "client_side",
                3,
                3,
                "Key users not available for testing",
                "关键用户无法投入测试",
                "Book UAT time with the sponsor at kick-off",
                "启动会上与项目发起人预约验收测试时间",
            ),
            risk(
                "technical",
                2,
                5,
                "Integration with existing systems fails",
                "与现有系统集成失败",
                "Build and test interfaces first, against real endpoints",
                "优先开发并用真实接口测试集成",
            ),
            risk(
                "resources",
                2,
                3,
                "Key consultant leaves the team",
                "核心顾问离开项目",
                "Pair consultants; keep the configuration documented",
                "顾问结对；配置文档化",
            ),
        ],
        "needs": [
            need(
                "must",
                "Single sign-on with the client's directory",
                "与客户目录服务单点登录",
                "All users sign in with their company account",
                "所有用户使用公司账号登录",
            ),
            need(
                "must",
                "Migrate open orders and master data",
                "迁移未完成订单和主数据",
                "Reconciliation report signed by the finance lead",
                "财务负责人签字确认对账报告",
            ),
            need(
                "should",
                "Management dashboard",
                "管理层看板",
                "Sponsor reviews the dashboard with live data",
                "项目发起人使用真实数据审阅看板",
            ),
            need(
                "could",
                "Mobile approval of documents",
                "移动端审批单据",
                "Approvals work on the client's phones",
                "可在客户手机上完成审批",
            ),
        ],
    },
    {
        "key": "marketing-web-agency",
        "industry": "marketing",
        "duration_days": 75,
        "name": t("Marketing / web agency project", "营销 / 网站代理项目"),
        "description": t(
            "Brief, concept, design, content, build and launch of a website or campaign.",
            "网站或营销活动的需求简报、创意、设计、内容、开发与上线。",
        ),
        "milestones": [
            ms(7, "Creative brief agreed", "创意简报确认"),
            ms(21, "Concept and moodboard approved", "创意方向与情绪板确认"),
            ms(40, "Design approved", "设计稿确认"),
            ms(60, "Content complete", "内容全部到位"),
            ms(70, "Launch", "正式上线"),
            ms(75, "Campaign results reported", "效果报告提交"),
        ],
        "comms_plan": [
            plan("decision_maker", "meeting", "milestone", "Creative review and approval", "创意评审与确认"),
            plan("key_user", "wechat", "weekly", "Weekly progress and open feedback", "每周进展与待反馈事项"),
            plan("sponsor", "email", "monthly", "Monthly report on budget and results", "月度预算与效果报告"),
        ],
        "risks": [
            risk(
                "client_side",
                4,
                3,
                "Feedback rounds take longer than planned",
                "客户反馈周期比计划长",
                "Agree two review rounds per deliverable and a 3-day response time",
                "每个交付物约定两轮评审和 3 天内反馈",
                "No feedback two days after a review request",
                "提交评审两天后仍无反馈",
            ),
            risk(
                "client_side",
                3,
                4,
                "Content from the client arrives late",
                "客户提供的内容延迟",
                "Content plan with owners and dates at kick-off",
                "启动时制定内容计划，明确负责人和日期",
            ),
            risk(
                "requirement_change",
                3,
                3,
                "New pages or features requested late",
                "后期新增页面或功能",
                "Handle as a change request with cost and schedule impact",
                "作为变更请求处理，评估成本和进度影响",
            ),
            risk(
                "legal",
                2,
                4,
                "Image or font licences missing",
                "图片或字体缺少授权",
                "Keep a licence register for every asset",
                "为每个素材登记授权",
            ),
        ],
        "needs": [
            need(
                "must",
                "Responsive site on phones and desktops",
                "手机和电脑自适应网站",
                "Approved pages render correctly on the agreed devices",
                "确认页面在约定设备上显示正常",
            ),
            need(
                "must",
                "Lead form connected to the client's CRM",
                "线索表单对接客户 CRM",
                "Test leads arrive in the CRM within a minute",
                "测试线索一分钟内进入 CRM",
            ),
            need(
                "should",
                "Search-engine basics (titles, sitemap)",
                "搜索引擎优化基础（标题、站点地图）",
                "Audit tool reports no critical issue",
                "检测工具无严重问题",
            ),
        ],
    },
    {
        "key": "consulting-engagement",
        "industry": "consulting",
        "duration_days": 60,
        "name": t("Consulting engagement", "咨询项目"),
        "description": t(
            "Diagnosis, analysis, recommendations and a roadmap the client owns.",
            "现状诊断、分析、建议与客户可执行的路线图。",
        ),
        "milestones": [
            ms(5, "Kick-off and interview plan", "项目启动与访谈计划"),
            ms(20, "Current-state diagnosis presented", "现状诊断汇报"),
            ms(40, "Recommendations workshop", "建议研讨会"),
            ms(55, "Final report and roadmap", "最终报告与路线图"),
            ms(60, "Steering committee close-out", "指导委员会结项"),
        ],
        "comms_plan": [
            plan(
                "sponsor",
                "meeting",
                "biweekly",
                "Steering check-in: findings and decisions",
                "指导沟通：发现与决策",
            ),
            plan("key_user", "email", "weekly", "Interview schedule and data requests", "访谈安排与资料需求"),
            plan("decision_maker", "meeting", "milestone", "Presentation of deliverables", "交付成果汇报"),
        ],
        "risks": [
            risk(
                "client_side",
                3,
                4,
                "Interviewees are not available",
                "访谈对象无法安排时间",
                "Sponsor sends the interview plan with dates",
                "由项目发起人发出访谈计划和日期",
            ),
            risk(
                "client_side",
                3,
                3,
                "Data requested arrives late or incomplete",
                "所需数据延迟或不完整",
                "Data request list at kick-off with owners",
                "启动时提供数据需求清单并明确负责人",
            ),
            risk(
                "commercial",
                2,
                4,
                "Findings are politically sensitive",
                "诊断结论涉及敏感问题",
                "Pre-wire findings with the sponsor before presenting",
                "正式汇报前先与发起人沟通结论",
            ),
            risk(
                "requirement_change",
                3,
                3,
                "Questions widen beyond the agreed scope",
                "研究问题超出约定范围",
                "Keep the question list in the engagement letter; change requests for more",
                "问题清单写入委托书；新增内容走变更请求",
            ),
        ],
        "needs": [
            need(
                "must",
                "Clear recommendation with business case",
                "有商业论证的明确建议",
                "Steering committee accepts the recommendation",
                "指导委员会接受建议",
            ),
            need(
                "should",
                "Roadmap with owners and quarters",
                "明确负责人和季度的路线图",
                "Each initiative has an owner on the client side",
                "每项举措都有客户方负责人",
            ),
        ],
    },
    {
        "key": "engineering-design",
        "industry": "construction",
        "duration_days": 180,
        "name": t("Construction / engineering design", "建筑 / 工程设计项目"),
        "description": t(
            "Concept, schematic and detailed design, permits and tender documents.",
            "方案设计、初步设计、施工图设计、报批报建与招标文件。",
        ),
        "milestones": [
            ms(20, "Design brief and site survey", "设计任务书与现场踏勘"),
            ms(50, "Concept design approved", "方案设计批准"),
            ms(100, "Schematic design approved", "初步设计批准"),
            ms(140, "Permit application submitted", "报批报建提交"),
            ms(170, "Construction drawings issued", "施工图发布"),
            ms(180, "Tender documents delivered", "招标文件交付"),
        ],
        "comms_plan": [
            plan(
                "sponsor",
                "meeting",
                "monthly",
                "Design review with the owner's representative",
                "与业主代表进行设计评审",
            ),
            plan(
                "key_user", "email", "biweekly", "Drawing register and open questions", "图纸目录与待确认问题"
            ),
            plan(
                "decision_maker", "meeting", "milestone", "Stage approval and sign-off", "阶段成果批准与签字"
            ),
            plan("key_user", "dingtalk", "weekly", "Coordination between disciplines", "各专业协调"),
        ],
        "risks": [
            risk(
                "legal",
                3,
                5,
                "Permit approval is delayed",
                "报批审批延误",
                "Early pre-consultation with the authority",
                "尽早与主管部门预沟通",
                "Authority asks for supplementary documents",
                "主管部门要求补充材料",
            ),
            risk(
                "technical",
                3,
                4,
                "Site conditions differ from the survey",
                "现场条件与勘察不符",
                "Budget a contingency for extra investigation",
                "预留补充勘察费用",
            ),
            risk(
                "requirement_change",
                4,
                4,
                "Owner changes the programme after concept",
                "方案确认后业主调整功能需求",
                "Freeze the programme at concept approval; change requests after",
                "方案批准时冻结功能需求，之后走变更请求",
            ),
            risk(
                "resources",
                2,
                4,
                "Specialist sub-consultant unavailable",
                "专业分包顾问无法到位",
                "Name an alternative firm at the start",
                "开始时确定备选单位",
            ),
            risk(
                "commercial",
                2,
                3,
                "Construction cost estimate exceeds budget",
                "造价估算超出预算",
                "Cost check at each design stage",
                "每个设计阶段进行造价复核",
            ),
        ],
        "needs": [
            need(
                "must",
                "Design meets local codes and standards",
                "设计符合当地规范和标准",
                "Permit granted without major revision",
                "报批通过且无重大修改",
            ),
            need(
                "must",
                "Design within the construction budget",
                "设计控制在建安预算内",
                "Cost estimate at or below the budget",
                "造价估算不超过预算",
            ),
            need(
                "should",
                "Energy performance target",
                "能耗指标",
                "Simulation meets the agreed target",
                "模拟结果达到约定指标",
            ),
        ],
    },
]
