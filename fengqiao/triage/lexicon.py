"""Curated words for the red-flag and context signals (domain-notes §2.2), and the cues that
cancel or soften them. Text is normalised first (NFKC, lower case), so full-width and
capitals need no patterns of their own. Each entry is a regular expression."""

from __future__ import annotations

_NUM = r"(?:\d+|[一二两三四五六七八九十百几]+)"
_MANY = r"(?:[3-9]|[1-9]\d+|好几|[三四五六七八九十百几多数][一二两三四五六七八九十百几多]*)"

SIGNAL_PATTERNS: dict[str, tuple[str, ...]] = {
    "threat_to_kill": (
        r"(?:杀|砍|捅|弄|整|打|搞|掐|勒|毒)(?:死|了)(?:你|他|她|我|他们|你们|全家|一家|对方|人)",
        r"杀(?:人|你|他|她|全家|了他|了你)|(?:砍|捅|杀|弄|掐|整)死|砍人|捅人|(?:要|想|准备)打死",
        r"(?:要|想|扬言|说要|准备|迟早|早晚)(?:把\w{1,3})?(?:杀|砍|捅|宰|弄死|整死)",
        r"让(?:你|他|她|我)(?:住院|躺着出去|见红|残废|陪葬)|(?:全家|一家)陪葬|(?:找|叫|带)人(?:来)?(?:收拾|砍|打|弄)",
        r"收拾(?:你|他|她)|一把火烧|烧了(?:你|我|他|她)家|把(?:你|我|他|她)的?腿打断|打断(?:我|你|他|她)的?腿",
        r"一起死|谁(?:敢)?(?:靠近|过来|拆)就(?:砍|杀|点火|拍死|弄死)|拍死|废了|弄残",
        r"同归于尽|拼命|跟(?:你|他|她)拼了|拼了这条命|要(?:你|他|她|我)的?命|埋了(?:你|他|她)|让(?:你|他|她)见血",
        r"你死我活|血债血还|灭(?:门|你全家)|不让(?:你|他|她)活|让(?:你|他|她)(?:好看|活不成|偿命)",
        r"放火烧|烧死|炸(?:死|了你|了他|掉)|泼(?:汽油|硫酸)|废了(?:你|他)|打断(?:你|他)的腿",
        r"(?:把|将)(?:你|我|他|她)的?腿打(?:断|折)|腿(?:给)?(?:你|他|她)?打(?:断|折)|(?:来|去)砍(?:你|我|他|她)",
        r"\bkill (?:you|him|her|them|us|everyone|the whole)",
        r"\b(?:i'?ll|i will|gonna|going to|threatened to|threatening to|said he'?d|said she'?d)"
        r" (?:kill|murder|stab|burn|hurt|beat)",
        r"\bdie together\b|\bmurder\b|\bdeath threats?\b|\bthreatened (?:his|her|their) li(?:fe|ves)",
        r"\bbreak (?:my|your|his|her|their) (?:legs?|hands?|arms?|neck|bones)|\bbeat \w+ to death",
        r"\b(?:poison (?:you|him|her|them|us)|stab|burn down (?:your|his|her|their|the house)|set fire to (?:your|his|her|their|the house))\b",
        r"\b(?:sort (?:you|him|her) out|teach (?:you|him|her) a lesson|you'?ll regret|i'?ll get you|come after (?:me|you|him|her))",
    ),
    "weapon": (
        r"(?:菜|水果|砍|柴|尖|西瓜|杀猪|剔骨)刀|匕首|刀子|动刀|一把刀",
        r"(?:拿|持|握|举|提|挥|掏|亮|抄|带)(?:着|出|起|了)?(?:一把|把)?(?:刀|斧|棍|枪)",
        r"斧头|斧子|铁棍|木棍|木棒|棍子|棍棒|钢管(?!架|脚手)|铁管|铁锹|锄头|镰刀|扳手|榔头|锤子|铁锤|砖头|板砖",
        r"酒瓶|弹弓|(?:手|猎|气|土)枪|枪支|开枪|硫酸|弩|(?:泼|浇|拿|带|提|拎|扛)(?:着|了)?(?:一桶|一瓶)?汽油|汽油(?:桶|瓶)",
        r"\b(?:knife|knives|machete|cleaver|axe|hatchet|gun|pistol|rifle|crowbar|hammer)\b",
        r"\b(?:iron bar|metal pipe|steel pipe|baseball bat|acid attack|wrench|(?:threw|throwing|with) a brick)\b",
        r"\bhit (?:him|her|me|them)? ?(?:over the head )?with (?:a|an|the) (?:bottle|chair|stick|bat|pipe|bar|brick|stool|lock)\b",
        r"\b(?:can|jerry ?can|bottle|canister) of (?:petrol|gasoline)\b",
    ),
    "injury": (
        r"受(?:了)?伤|打伤|砍伤|捅伤|刺伤|咬伤|撞伤|烫伤|摔伤|伤(?:得|的)?(?:很重|不轻|严重)",
        r"(?:摔|打|踢|撞)断|流血|出血|头破血流|满脸是血|骨折|缝了?"
        + _NUM
        + r"?针|鼻青脸肿|淤青|昏迷|不省人事",
        r"送(?:到|去|往)?(?:医院|急诊)|(?:叫|打)(?:了)?120|打(?:到|进)(?:了)?医院|轻伤|重伤|轻微伤|伤情鉴定",
        r"倒(?:在)?地(?:上)?(?:不起|了)?|打晕|被打(?:了|得)|满头是血|见血|打破(?:了)?(?:头|额头|脸|鼻子|嘴)",
        r"(?:都|全)是血|满脸血|擦伤|擦破|划伤|划了一道口子|割伤|呛伤|切断|骨裂|扭伤|咬破|肿了|摔坐|撞倒",
        r"(?:头|额头|脸|鼻子|嘴|眼角|嘴角)\w{0,2}(?:被)?(?:打|砸|磕|划)(?:破|裂)|踩伤|烧伤|裂口|划了(?:一)?道口子|"
        r"头破|磕(?:掉|破|伤)|(?:被|让)(?:狗|它)咬|狗咬|伤残|拉伤|打青|(?:青|紫|肿)了|起不来|(?:把|将)\w{1,3}打了",
        r"\b(?:hurt|injured|injuries|injury|wounded|bleeding|bled|broken (?:arm|leg|nose|rib|ribs|jaw))",
        r"\b(?:bruised?|bruises|black eye|stitches|unconscious|concussion|ambulance|hospitali[sz]ed|taken to hospital)\b",
        r"\b(?:cut (?:above|on|open)|gash|fractured?|sprained|knocked (?:him|her|me) (?:down|over)|bitten)\b",
        r"\b(?:chipped|swollen|dislocated|by (?:her|his) hair|beaten up|got hurt)\b",
        r"\b(?:blood (?:on|all over|everywhere|coming)|bloody (?:nose|face|lip)|bloodied|split lip)\b",
    ),
    "alcohol": (
        r"喝(?:了)?(?:酒|醉|多了|大了)|醉酒|酒后|醉醺醺|耍酒疯|一身酒气|喝高了|酗酒",
        r"\b(?:drunk|drunken|alcohol|intoxicated|after drinking|been drinking|wasted)\b",
    ),
    "crowd_gathering": (
        r"聚集|围堵|堵(?:住)?(?:大)?门|堵(?:住)?(?:路|马路|道路)|拉(?:起)?横幅|打横幅|拉条幅",
        r"门(?:口)?(?:被\w{0,6})?堵(?:了|住|死)|静坐|围攻|聚众|群殴|械斗|烧纸钱?|摆花圈|抬棺|停尸|集体(?:上访|讨薪|围)",
        # A count of people counts only where they are: "三十多人围在门口", not "三十多人被扣了工资".
        r"(?:十几|十多|十来|十余|几十|上百|数十|百余|二三十|三四十|[1-9]\d{1,2}(?![\d年月日号天点])(?:多|余|来)?|[二三四五六七八九]十(?:多|余|来)?|[一二两三四五六七八九几]百(?:多|余)?)"
        r"(?:个|名|位|号|户)?\w{0,4}?(?:围|堵|聚|冲|拿着|手持|占着|坐在|对峙|站在)",
        r"围了(?:十|几|二|三|四|五|[1-9]\d)|对峙|占着不走|冲进(?![水沟河渠管排下田地])|掀翻",
        r"(?:上百|数百|几百|[一二两三四五六七八九]百(?:多|余)?)(?:号)?(?:人|名|村民|群众|工人|业主)",
        r"\b(?:crowd|mob|dozens of|a group of \d\d|blocking the (?:gate|road|entrance))",
        r"\b(?:banners?|sit-in|protesters?|gathered outside|surrounded the)\b",
        r"\b(?:stand-?off|blocked (?:both lanes|the (?:road|gate|entrance|pier))|stormed)\b",
        r"\b(?:a dozen|dozen|fifteen|twenty|thirty|forty|fifty|\d{2,}) (?:\w+ )?(?:men|villagers|people|workers|fishermen|relatives|members|owners)\b",
    ),
    "vulnerable_person": (
        r"走失|走丢|失联|失踪|找不到(?:了|人)|找不着|不见了|(?:未|没有?|还没)回(?:家|来)|下落不明",
        r"老年痴呆|痴呆|阿尔茨海默|阿兹海默|失智|认知障碍|智力(?:障碍|残疾)|智障|自闭症|孕妇|怀孕|瘫痪|残疾",
        r"精神(?:病|障碍|分裂|异常|失常)|发病|犯病|躁狂|独居老人|空巢老人|无人照顾",
        # Someone found lost who cannot say where home is: a small child, a confused elder.
        r"迷路|迷了路|迷失方向|找不到家|找(?:妈妈|爸爸|家人)|记不(?:得|清|住)(?:家|住址|电话|路)|"
        r"(?:[一二两三四五六]|[1-6])岁(?:左右|多)?的(?:小)?(?:孩子|女孩|男孩|小孩|女娃|男娃)|身边没(?:有)?大人|"
        r"精神(?:疾病|科)|精卫|双相|抑郁症|躁郁|糊涂了|轮椅|卧床|瘫在床|(?:八|九)十多岁|[89]\d岁",
        r"\b(?:dementia|alzheimer|wandered off|missing (?:child|kid|boy|girl|elder|grandma|grandpa))",
        r"\b(?:is missing|went missing|gone missing|can'?t find (?:him|her|them)|nobody has seen)",
        r"\b(?:hasn'?t (?:come|came) (?:back|home)|didn'?t come home|not come home)",
        r"\b(?:lost (?:child|boy|girl|toddler)|(?:found|a) (?:little|small) (?:boy|girl|child) (?:on (?:his|her) own|alone|crying)|"
        r"can'?t (?:remember|say) where (?:he|she) lives)",
        r"\b(?:pregnant|autis(?:m|tic)|disabled|schizophreni|psychotic|mental (?:illness|disorder))",
        r"\b(?:bipolar|depression|depressed|wheelchair|bedridden|confused (?:elderly|old)|[89]\d(?:-year-old| years old))",
    ),
    "suicide_risk": (
        r"自杀|轻生|跳楼|跳河|跳江|跳桥|上吊|割腕|喝(?:了)?(?:农药|敌敌畏|百草枯)|吞(?:了)?(?:安眠药|药)",
        r"不想活|不活了|活不下去|活着没意思|寻死|一死了之|死了算了|死给(?:你|他|她|你们|他们|大家)看|想去死|没什么好留恋",
        r"(?:农药|安眠药|药|绳子|炭)(?:我)?(?:都|已经)?(?:买好|准备好)了",
        r"(?:要|就)?(?:从楼上)?跳下去|吃了一(?:堆|瓶|把)药|(?:拿|提|举)着.{0,4}(?:农药|敌敌畏)|(?:刀|剪刀|玻璃)(?:架在|对着)自己|划伤自己|死在这(?:里|儿)?|撑不住了|走了之",
        r"(?:站|坐|爬|人)(?:在|到|上)?(?:了)?(?:楼顶|天台|窗台|窗户外|桥上|桥栏|河边)",
        r"\b(?:suicid\w*|kill (?:myself|himself|herself|themselves)|jump off|end (?:my|his|her) life)",
        r"\b(?:don'?t want to live|overdose|on the roof(?:top)?|ledge)\b",
        r"\b(?:drink|drank|swallow\w*) (?:the |some )?(?:pesticide|weedkiller|poison|bleach)\b",
        r"\b(?:end it all|hurt (?:himself|herself|myself)|take (?:his|her|my) (?:own )?life|locked (?:himself|herself) in)",
    ),
    "repeated_police_calls": (
        r"(?:多|几|数|好几|三|四|五|六|七|八|九|十|[3-9]|[1-9]\d)次(?:报警|打110|打了110|出警)",
        # Three calls or more: "又报了一次警" is the second.
        r"报(?:了)?" + _MANY + r"次警|第[三四五六七八九十\d]+次报警|反复报警|屡次报警|一再报警",
        r"报(?:了)?警(?:了)?(?:已)?(?:有)?(?:[3-9]|[1-9]\d|[三四五六七八九十几多]+)次|(?:打|拨)了?(?:[3-9]|[1-9]\d|[三四五六七八九十几多]+)(?:次|回)110",
        r"第(?:[三四五六七八九十]+|[3-9]|[1-9]\d)次(?:处警|出警|接报|接警|因)|处警(?:[3-9]|[1-9]\d|[三四五六七八九十]+)次",
        r"第(?:[三四五六七八九十]+|[3-9]|[1-9]\d)次\w{1,4}报警|(?:[3-9]|[1-9]\d|[三四五六七八九十几])次110",
        # Police named with the count: "called the police five times", not any "several times".
        r"\b(?:called (?:the )?police (?:\w+ )?(?:\d+|three|four|five|six|several|many) times|"
        r"police (?:have )?(?:came|come|been) (?:out )?(?:\d+|three|four|five|six|several|many) times)",
        r"\b(?:third|fourth|fifth|sixth|seventh|\d+(?:rd|th)) (?:police call|call to (?:the )?police|"
        r"police attendance|call-out)\b",
        r"\b(?:reported to (?:the )?police|calls? 110|called 110) (?:\w+ )?(?:\d+|three|four|five|six|several|many) times",
        r"\b(?:repeated (?:police )?calls to (?:the )?police|\d+ calls? to (?:the )?police)",
    ),
    "failed_mediation": (
        r"调解(?:失败|不成|无果|未果|没(?:有)?(?:成|用|结果))|(?:多次|几次|(?:[两二三四五六七八九十]|[2-9])次)调解",
        r"调(?:解)?了?" + _NUM + r"次|协调(?:多次|几次)?(?:无果|未果|不成)|调不下来",
        r"\bmediation\W+(?:\w+\W+){0,2}failed",
        r"\bmediation (?:sessions?|meetings?|attempts?)\b[^.;]{0,40}?\b(?:failed|broke down)",
        r"\b(?:mediation (?:failed|broke down|went nowhere)|failed mediation|mediated (?:twice|"
        r"several times|\w+ times))",
    ),
    "minor_involved": (
        r"未成年|孩子|小孩|儿童|(?<!大)学生|初中生|高中生|小学生|幼儿园|婴儿|宝宝|少年|男童|女童",
        r"(?:[1-9]|1[0-7]|[一二三四五六七八九]|十[一二三四五六七]?)岁(?:的)?(?:男孩|女孩|孩子|儿子|女儿|小孩)",
        r"\b(?:child|children|kid|kids|minor|student|pupil|teen|teenager|baby|toddler)s?\b",
        r"\b(?:son|daughter|boy|girl)\b",
    ),
    "money_amount": (
        r"\d+(?:\.\d+)?\s*(?:万|千|百)?\s*(?:元|块|rmb|w\b)|\d+(?:\.\d+)?\s*万",
        r"[一二两三四五六七八九十百千]+(?:万|千)(?:元|块)?|[一二两三四五六七八九十百千]+(?:元|块钱)",
        r"[¥￥$]\s*\d|\b\d[\d,]*(?:\.\d+)?\s*(?:yuan|rmb|dollars?)\b",
    ),
    "domestic_violence": (
        r"家暴|家庭暴力|(?:打|殴打|虐待)(?:老婆|妻子|媳妇|老公|丈夫|孩子|父母|老人)",
        r"(?:老公|丈夫|男人|老婆|妻子)(?:又|经常|总是)?(?:打|殴打|动手)",
        r"(?:老公|丈夫|男人|男朋友|男友|前夫|媳妇|老婆|妻子|婆婆|公公|儿子|女婿)\w{0,6}(?:扇|掐|拧|踹|打伤|打破|拽|揪)",
        r"(?:限制|不让)(?:其|我|她)?(?:外出|出门)|没收(?:其|我|她)?的?手机|打(?:伤|破)(?:其|他|她)?(?:母亲|父亲|妻子|老婆|丈夫)",
        r"\b(?:domestic (?:violence|abuse)|(?:husband|wife|partner|boyfriend) (?:beat|hit|hits|beats|"
        r"punched|slapped|choked))",
        r"\b(?:husband|boyfriend|partner|ex)\W+(?:\w+\W+){0,3}?(?:dragged|hit|beat|beats|choked|strangled|slapped|twisted|won'?t let)\b",
    ),
    "property_damage": (
        r"砸(?:了|坏|烂|碎|毁)?|打砸|损坏|毁坏|划(?:了)?(?:车|漆)|推倒|烧(?:了|毁)|扎(?:了)?(?:轮胎|胎)",
        r"摔东西|撞(?:碎|裂|坏|瘪)|掰断|(?:车|门|漆)(?:被)?划|被划|烫(?:了)?(?:好几个|一个)?洞|踹(?:坏|门)|踢坏|弄坏|砍坏|剪断|变形",
        r"(?:摔|碰|打|敲|压|踩)(?:坏|碎|瘪|裂|烂)|折了|砍(?:倒|了\w{0,3}树)|烧(?:坏|黑)|熏黑|刮倒|掀翻|挖了|拆了",
        r"\b(?:smashed|vandali[sz]ed|damaged|keyed (?:my|his|her) car|broke (?:the|my|our) windows?)",
        r"\b(?:dented|scratched|shattered|cracked|ripped out|kicked in|burn(?:ed|t) a hole)\b",
        r"\b(?:cut down|broke (?:my|his|her|the|our)|destroyed|wrecked|torn down)\b",
    ),
    "intimidation": (
        r"恐吓|威胁|扬言|泼(?:油漆|粪|屎)|死(?:老鼠|猫|狗|鸡|鸟|鱼|蛇)|(?:锁眼|门锁)(?:被)?(?:堵|灌|塞)|(?:锁|锁眼|门)\w{0,4}(?:胶水|502)",
        r"寄刀片|冥币|跟踪|堵(?:在)?(?:我)?家门口|骚扰电话|半夜敲门|砸门",
        r"泼(?:了)?(?:红)?(?:油漆|漆|粪|屎|废液)|泼了\w{1,3}?(?:粪|屎|油漆)|放哀乐|多管闲事|知道(?:你|我)(?:家)?住(?:哪|在哪)|派人上门|(?:你|让我)等着|走着瞧|(?:车胎|轮胎)(?:被)?扎|扎(?:了)?(?:我的?|我家)?(?:车胎|轮胎)|让你(?:另一条)?\w{0,3}(?:断|好看)",
        r"\b(?:threaten(?:ed|ing|s)? (?:me|us|him|her|them|my|our|his|her|to)|death threats?|stalk\w*|"
        r"dead (?:rat|cat|bird|dog))",
        r"\b(?:glued (?:the|my|our) locks?|superglue|smeared|faeces|feces|excrement)\b",
        r"\b(?:i know where you live|blackmail\w*|you'?ll see|watch your back)\b",
    ),
    "petition_threat": (
        r"上访|信访(?!转|件|局|办|部门|渠道|窗口)|进京|去北京|到北京|闹到(?:省里|市里|县里|区里|镇上|\w{0,2}政府)",
        r"(?:去|到)(?:省里|省政府|市里|市政府|县政府|区政府|镇政府)(?:门口)?(?:闹|拉横幅|静坐|讨说法|告)",
        r"围(?:堵)?(?:政府|镇政府|乡政府)|越级|(?:号召|约好|组织|商量).{0,6}(?:去|到)(?:区|市|县|省|镇|乡)(?:政府|委)",
        r"\b(?:petition(?:ing)? (?:beijing|the (?:province|provincial|central))|go to beijing|besiege|march on the government)",
    ),
    # Context for an injury or a quarrel (domain-notes §2.2: red needs a live danger).
    # How it happened: by accident, a collision, an animal, a fall, no one meaning harm.
    "accidental": (
        r"不小心|意外|失手|误伤|无意(?:中|间)?|没注意|打闹|嬉闹|玩耍|没看(?:见|到)|没站稳|脚下一滑|滑倒|绊倒|摔了一跤|自己摔",
        r"(?:被|让)\w{0,10}?(?:狗|猫|马蜂|蜂)|狗\w{0,6}咬|(?:从|在)\w{0,8}(?:架|梯|楼|台阶|屋顶)\w{0,3}(?:上)?(?:摔|掉|滑|坠)|砸伤|"
        r"狗咬|撞了(?:我|他|她|人)|术中|术后|手术(?:中|后|时)|误诊|输液后|用药后|脚手架|坠落|"
        r"车祸|追尾|剐蹭|刮蹭|相撞|撞(?:上|到|倒)了?|碰(?:到|倒)了?|交通事故|"
        r"(?:掉|砸|落)下来|坠落|(?:玩|打闹|追逐|体育课|课间)\w{0,6}(?:摔|磕|撞)",
        r"\b(?:accident(?:al(?:ly)?)?|by mistake|didn'?t mean|slipped|tripped|fell (?:off|over|down)|"
        r"collision|collided|crash(?:ed)?|rear-ended|knocked (?:over|off) (?:by|on) (?:a|an|the) (?:car|bike|scooter|e-?bike))\b",
        r"\b(?:dog bit|bitten by|fell from|playing (?:tag|football|basketball)|horsing around)\b",
        r"\b(?:bitten|mauled|savaged|(?:dog|terrier|staffie|staffordshire|alsatian|rottweiler|pit ?bull)s?|knocked off|clipped (?:me|him|her)|hit by (?:a|an|the) (?:car|van|lorry|truck|bus|bike|cyclist)|"
        r"fail(?:ed)?[- ]to[- ]stop|cyclist|off (?:its|the) lead|(?:dog|terrier|staffie|alsatian) went for)\b",
    ),
    # Already over: the injured are treated, the parties separated, the event told afterwards.
    "over": (
        r"已(?:经)?(?:送医|出院|拆线|痊愈|好了|处理|结束|拉开|劝开|分开|离开|走了|被带走|被劝走|和解|私了)|"
        r"伤(?:已|都|也)?(?:好|养好)了|现已(?:出院|平息|无碍|分开)|事后|事发后|后来|过去了|已无大碍|没什么大碍|住了\w{0,3}院",
        # A matter already in the legal process or written up afterwards.
        r"摘要|调解记录|已(?:经)?起诉|诉至|起诉(?:到|至)|已立案|伤残|鉴定(?:为|结论)|已(?:被)?扑灭|幸亏\w{0,4}(?:扑灭|灭了|发现)|垫付",
        r"\b(?:it'?s (?:all )?over|(?:fight|it) (?:is|was) over|afterwards|after the fact|has (?:since )?recovered|was discharged|"
        r"(?:have|has) (?:been )?separated|already (?:been )?(?:treated|settled|handled)|went home)\b",
    ),
    # Someone says or shows there is more to come: a threat, a promise to return, repetition.
    "threat_of_more": (
        r"还要(?:打|来|找|收拾|砍|弄)|(?:还|要|会)再(?:来|打|找|动手)|下次(?:再|还|见)|放话|"
        r"等着瞧|走着瞧|你等着|不会(?:放过|善罢甘休|罢休)|没完|跟你没完|还会(?:来|打|找)|继续(?:打|骚扰|闹|找)|"
        r"再(?:闹|来|找|告|报警|敢)就|(?:另一|那一)(?:只|条)(?:手|腿)",
        r"(?:天天|经常|总是|三天两头|隔三差五|每次)(?:打|骂|动手|骚扰|堵|来闹)|又(?:打|动手|来闹|来堵)",
        r"\b(?:next time|come back (?:and|with)|won'?t let (?:it|this) go|keeps? (?:hitting|"
        r"beating|coming back|harass\w*)|again and again|every (?:time|week|night) (?:he|she|they) (?:hit|beat))\b",
    ),
    # Stakes that need a professional from the start (GUIDE.md, Level 3): a death after
    # treatment, about 100,000 yuan or more, wages owed to many workers.
    "high_stakes": (
        r"抢救无效|(?:术后|治疗后|住院\w{0,4}|手术\w{0,4})(?:死亡|去世|身亡|人(?:就)?没了)|医疗事故|"
        r"(?<![\d.])(?:[1-9]\d+(?:\.\d+)?|十|[一二两三四五六七八九]十[一二三四五六七八九]?|几十|上百|[一二两三四五六七八九几]百)(?:多|余)?万|"
        r"(?:[1-9]\d|[二三四五六七八九]十|几十|上百|百余)(?:多|余|来)?(?:名|个|位)?(?:工人|农民工|员工|民工|瓦工|工友)",
        r"\b(?:died (?:after|following|in hospital|days later)|death (?:after|following)|"
        r"\d{3},\d{3}(?:,\d{3})? (?:yuan|rmb)|(?:twenty|thirty|forty|fifty|\d\d) (?:workers|labourers) (?:are )?(?:owed|unpaid))\b",
    ),
    # Already before a court: filed, or sent by a court for mediation (GUIDE.md: blue).
    "in_court": (
        r"已(?:经)?(?:起诉|立案)|诉至|起诉(?:到|至)|(?:法院|法庭|法官)委(?:派|托)|诉前调解|诉调|速裁|法庭(?:受理|调解)",
        r"\b(?:sued|suing|filed (?:a )?(?:claim|lawsuit|suit)|small claims court|took (?:him|her|them|us) to court|"
        r"court (?:case|date|hearing|referred)|referred by the court)\b",
    ),
    # Money leaving a victim's hands right now: police can still stop it.
    "fraud_in_progress": (
        r"(?:正在|准备|即将|马上要?|要去|在)(?:\w{0,6})?(?:转账|汇款|转钱|取钱|提取|提现|交付|打钱|充值)|"
        r"劝不住|拒绝劝阻|坚称没被骗|不听劝|(?:来|去)(?:银行|网点)(?:汇款|取)|按(?:对方)?指引|共享屏幕|"
        r"(?:仍在|还在|正在|一直在?)\w{0,8}(?:通话|联系|打电话|视频)",
        r"\b(?:(?:is|are|about to|trying to|going to) (?:transfer|wire|withdraw|send)\w*|"
        r"won'?t listen|insists (?:it'?s|it is) (?:fine|real))\b",
    ),
    # Violence going on as the report is made.
    "violence_ongoing": (
        r"(?:正在|还在|仍在|在)(?:打|殴打|打人|动手|扭打|互殴|追打|砍|追着)|打起来了|打成一团|扭打|互殴|厮打|"
        r"推搡(?:上|起来)了|(?:要|快|眼看要?|差点)(?:动手|打起来)了|"
        r"(?:双方|两人|两家)(?:仍在|还在)(?:扭打|对打|推搡|打)|快来.{0,6}打",
        r"\b(?:(?:is|are) (?:fighting|beating|hitting|attacking|punching|kicking)|still fighting|"
        r"fight going on|a fight (?:right )?now|(?:fighting|beating) (?:him|her|them) (?:right )?now)\b",
    ),
    # A quarrel that has run for months or years: long-running, not by itself a live danger.
    # Someone not where they should be, now: with a vulnerable person (a child, a dementia
    # elder, a psychiatric patient) it makes the report red whatever the category.
    "missing": (
        r"走失|走丢|失联|失踪|下落不明|找不到(?:了|人)|找不着人|(?:还没|没有?|未)回(?:家|来)|还没回(?![复应答])",
        r"没见(?:着|到)?人|(?:出门|外出|出去)\w{0,8}?未归|(?<!人)不见的",
        r"\b(?:is missing|went missing|gone missing|can'?t find (?:him|her|them)|nobody has seen (?:him|her))",
        r"\b(?:hasn'?t (?:come|came) (?:back|home)|didn'?t come (?:back|home)|not come home|wandered off)\b",
        r"\bleft \w+(?: \w+){0,4} unnoticed\b",
    ),
    "long_running": (
        r"(?:[一二两三四五六七八九十几多好]+|(?<!\d)\d{1,2})(?:多)?年(?![级前底初代轻内])|多年|常年|长期|"
        r"由来已久|积怨|老矛盾|历史遗留|拖了(?:好)?(?:几|多|\d+|[一二两三四五六七八九十])?(?:年|个月)|(?:从|自)(?:\d{2,4}|上)?年(?:起|开始)",
        r"\b(?:for (?:years|decades|(?:\d+|two|three|four|five|six|seven|eight|nine|ten|many|several) "
        r"(?:years|months))|years-long|long-running|since (?:19|20)\d\d|decades-old|long-standing)\b",
    ),
}

# Words that say someone meant to hurt: they outweigh a collision word ("推倒后头撞到石头"),
# though not children at play or an explicit accident (ACCIDENT_SURE).
ASSAULT = (
    r"(?:被|把|将)\w{0,8}?(?:推|打|踢|踹|拽|揍|扇|按在地上)|(?:推|拽|踹)(?:倒|下|了(?:我|他|她|一把))|动手打|殴打|打了(?:我|他|她)",
    r"\b(?:pushed|shoved|punched|kicked|slapped|beat (?:me|him|her)|hit (?:me|him|her) with|attacked|assaulted|dragged)\b",
)
# A blunt tool used on a thing (a stick knocked on a floor or railing, a brick thrown at a
# roof, a hammer on a door) is damage or nuisance, not a weapon against a person: the
# weapon signal is dropped where one of these starts inside its match.
TOOL_ON_THINGS = (
    r"(?:木棍|棍子|棍棒|铁棍|砖头|板砖|石头|榔头|锤子|铁锤|扳手)\w{0,2}?(?:敲|砸|捅|撬|顶)"
    r"[^，。,;；!！?？]{0,8}?(?:楼板|地板|天花板|顶棚|栏杆|扶手|门|墙|屋顶|房顶|顶|瓦|窗|玻璃|车|管|锁|暖气)",
    r"\b(?:hammer|stick|brick)s? (?:on|against|at) (?:the |my |our |their |his |her )?"
    r"(?:door|wall|floor|ceiling|window|car|roof|railing|pipes?)\b",
)
ACCIDENT_SURE = (
    r"不小心|意外|失手|误伤|无意|打闹|嬉闹|玩耍|狗|没站稳|滑倒|绊倒",
    r"\b(?:accident\w*|by mistake|didn'?t mean|playing|horsing around|dog|slipped|tripped)\b",
)

# Words that make a signal not so: "没有动刀", "没人受伤", "nobody was hurt". A Chinese
# negation counts within a few characters before the word, unless "就/要/..." comes between:
# "不还钱就杀了你" is a threat, not the denial of one.
NEGATION_ZH = r"没有|没(?!想到|拴|牵|关好|锁)|未(?!成年)|并未|不是|不曾|无(?![果奈论法])|没人|别(?!人)|不用|不需要|并非|否认"
NEGATION_WINDOW = 4
NEGATION_BREAKS = r"就|要|便|再|会|但|却"
NEGATION_EN = (
    r"\b(?:no|not|never|without|nobody|none|no one|didn'?t|wasn'?t|weren'?t|isn'?t|hasn'?t|"
    r"haven'?t|don'?t|doesn'?t)\b(?:\s+\w+){0,2}\s*$"
)

# Worry or prevention: the thing feared has not happened ("怕他动刀", "in case he ...").
SPECULATION = (
    r"怕|担心|害怕|恐怕|万一|会不会|以防|防止|预防|避免|生怕|提防|是否",
    r"\b(?:afraid|worried|worry|fear|might|may|could|in case|prevent|avoid|whether)\b",
)

# Told second hand, or already over: still a signal, but nothing to dispatch to.
HEARSAY = (
    r"听说|据说|听人说|传言|有人说|转述",
    r"\b(?:heard that|rumou?r|apparently|reportedly|someone said)\b",
)
PAST = (
    r"上周|上个?月|去年|前年|前几天|前天|昨天|昨晚|之前|以前|曾经|曾|当时|那次|上次|几天前|"
    r"\d+天前|年前|月前|(?:19|20)\d\d年|今年(?:\d{1,2}|[一二三四五六七八九十]+)月|上半年|前几个月",
    r"\b(?:previously|last (?:week|month|year|night)|yesterday|ago|earlier|used to|once)\b",
    r"\b(?:in|on|since) (?:january|february|march|april|may|june|july|august|september|october|november|december)\b",
)
NOW = (
    r"正在|现在|马上|此刻|还在|快来|赶紧|立即|速来|刚刚|刚才|眼下|当前|目前|一直在|快点|救命",
    r"\b(?:now|right now|currently|still|hurry|come quickly|urgent|immediately|help)\b",
)

# Words typical of each category. They reach the model as tokens ("kw_medical"), so a report
# using a word the corpus never saw still leans the right way.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "marriage_family": (
        r"老公|老婆|丈夫|妻子|媳妇|离婚|彩礼|嫁妆|赡养|养老|抚养|抚养费|探视|婆婆|公公|岳父|岳母|"
        r"儿媳|女婿|兄弟姐妹|遗产|继承|分家|前夫|前妻|男朋友|女朋友|对象|婚外|出轨|家暴|小姑子",
        r"\b(?:husband|wife|divorce|custody|alimony|in-laws?|mother-in-law|inheritance|"
        r"boyfriend|girlfriend|ex-wife|ex-husband|marriage|bride price|elderly parents?)\b",
    ),
    "neighbourhood": (
        r"邻居|楼上|楼下|隔壁|对门|噪音|吵闹|漏水|渗水|楼道|堆放|杂物|宠物|狗叫|遛狗|晾衣|"
        r"油烟机|空调外机|广场舞|装修声|拖椅子|车位被占|挡光",
        r"\b(?:neighbou?rs?|upstairs|downstairs|next door|noise|noisy|leak(?:ing)?|corridor|"
        r"barking|dog poo|shared hallway)\b",
    ),
    "housing_homestead": (
        r"宅基地|院墙|围墙|盖房|建房|翻建|翻修房|房屋|滴水|排水沟|地基|房界|过道|老宅|祖屋|"
        r"房产证|确权|违建|加盖|屋檐",
        r"\b(?:homestead|house plot|boundary wall|rebuild(?:ing)?|village house|eaves)\b",
    ),
    "contract": (
        r"借钱|借款|欠款|欠钱|欠条|借条|还钱|押金|房租|租金|房东|租客|合同|违约|定金|订金|"
        r"装修款|合伙|担保|利息|高利贷|转账记录|分期",
        r"\b(?:loan|lent|borrow(?:ed)?|debt|iou|deposit|rent|landlord|tenant|lease|contract|"
        r"owes? me|pay (?:me )?back|renovation contractor)\b",
    ),
    "production_business": (
        r"生意|合伙|摊位|摊贩|商户|货款|供货|鱼塘|养殖|种植|合作社|灌溉|抢客|同行|竞争|厂家|"
        r"经销|加盟|门面|客源|作坊|收购",
        r"\b(?:business|supplier|stall|vendor|competitor|wholesale|co-?op|fish pond|"
        r"farm(?:ing)?|goods payment)\b",
    ),
    "damage_compensation": (
        r"赔偿|赔钱|医药费|医疗费|咬伤|撞倒|摔倒|砸坏|损坏|弄坏|划伤|烫伤|误工费|营养费|"
        r"高空坠物|狗咬|被狗",
        r"\b(?:compensat\w*|damages?|bitten|dog bite|medical bills?|broke my|damaged my)\b",
    ),
    "forest_land": (
        r"土地|山林|林地|耕地|承包地|责任田|地界|田埂|界桩|自留地|荒山|林权|坟地|祖坟|"
        r"流转|水渠|放水|浇地|抢水|果园|竹林|茶园",
        r"\b(?:farmland|forest|woodland|field boundary|land contract|irrigation|orchard|"
        r"bamboo|grave|land rights?)\b",
    ),
    "land_acquisition_demolition": (
        r"拆迁|征地|征收|补偿款|安置|安置房|拆除|强拆|棚改|旧改|搬迁|评估价|补偿标准|"
        r"回迁|过渡费|青苗费",
        r"\b(?:demolition|demolish\w*|requisition|expropriat\w*|resettle\w*|relocation|"
        r"compensation package|eviction for)\b",
    ),
    "environmental_pollution": (
        r"污染|臭味|异味|排放|废水|污水|废气|粉尘|扬尘|烟尘|黑烟|噪声扰民|化工厂|养猪场|"
        r"养殖场|搅拌站|焚烧|排污|刺鼻|油漆味|河水变",
        r"\b(?:pollut\w*|smell|stink|odou?r|fumes|smoke|dust|sewage|waste ?water|"
        r"factory|chemical plant|pig farm|discharg\w*)\b",
    ),
    "labour": (
        r"工资|欠薪|讨薪|拖欠工资|包工头|工钱|工地|老板跑路|辞退|开除|加班费|社保|工伤|"
        r"劳动合同|仲裁|试用期|打工|工人|员工|农民工|年底结账",
        r"\b(?:wages?|salary|salaries|unpaid|back pay|overtime|fired|dismiss\w*|employer|"
        r"boss|workers?|work injury|labou?r|arbitration)\b",
    ),
    "consumer": (
        r"商家|店家|退款|退货|买的|购买|网购|快递|超市|过期|假货|充值|会员卡|预付卡|健身房|"
        r"美容|理发|培训班|维修|售后|发票|三无|缺斤少两",
        r"\b(?:refund|shop|store|seller|bought|purchase\w*|expired|fake|membership|gym|"
        r"prepaid|after-sales|receipt|customer service)\b",
    ),
    "medical": (
        r"医院|医生|护士|手术|治疗|诊所|卫生院|输液|打针|误诊|医疗事故|病人|患者|医闹|"
        r"急诊|病历|尸检|医调委|药房|抢救",
        r"\b(?:hospital|doctor|nurse|surgery|clinic|patient|misdiagnos\w*|treatment|"
        r"malpractice|medical (?:error|dispute))\b",
    ),
    "traffic_accident": (
        r"撞|车祸|追尾|剐蹭|刮蹭|电动车|摩托车|交通事故|肇事|逃逸|交警|责任认定|定损|"
        r"保险公司|骑手|司机|开车|倒车",
        r"\b(?:crash\w*|collision|collided|rear-ended|hit by a (?:car|bike|scooter)|"
        r"traffic accident|driver|e-?bike|scooter|hit-and-run|insurance)\b",
    ),
    "property_management": (
        r"物业|物业费|业委会|业主委员会|电梯|停车费|门禁|保安|小区管理|公共维修基金|"
        r"绿化|垃圾清运|地下车库|物管",
        r"\b(?:property management|management company|management fee|owners'? committee|"
        r"lift|elevator|security guards?|parking fee)\b",
    ),
    "other": (
        r"村务|村委|选举|低保|补贴|名单|祠堂|寺庙|宗族|赌债|份子钱|群里骂|网上骂|造谣|"
        r"诽谤|广场|公示",
        r"\b(?:village committee|election|subsidy|temple|clan|gambling debt|slander|rumou?rs?)\b",
    ),
    "campus": (
        r"学校|老师|班主任|校长|同学|霸凌|欺凌|学生|幼儿园|校门口|家长群|体育课|课间|"
        r"补课|校车|食堂|宿舍|辅导班",
        r"\b(?:school|teacher|classmates?|bull(?:y|ied|ying)|kindergarten|principal|"
        r"head ?teacher|school gate|pupils?)\b",
    ),
    "missing_person": (
        r"走失|走丢|失踪|找不到|不见了|没回家|失联|寻人|监控|最后一次见|穿着|身高|"
        r"寻找|帮忙找",
        r"\b(?:missing|lost|wandered|can'?t find|last seen|wearing|search(?:ing)? for|"
        r"hasn'?t come home)\b",
    ),
    "mental_health_incident": (
        r"精神病|精神障碍|精神分裂|发病|犯病|躁狂|抑郁|幻听|妄想|停药|住院治疗|"
        r"精神卫生中心|肇事肇祸|胡言乱语|疯",
        r"\b(?:mental(?:ly)?|psychiatric|schizophreni\w*|bipolar|psychosis|episode|"
        r"off (?:his|her) meds|medication|hallucinat\w*|delusion\w*)\b",
    ),
    "telecom_fraud": (
        r"诈骗|骗子|被骗|转账|验证码|安全账户|冒充|客服|刷单|投资|理财|贷款|征信|"
        r"网恋|杀猪盘|中奖|退款链接|共享屏幕|反诈",
        r"\b(?:scam\w*|fraud\w*|swindl\w*|transfer(?:red)?|verification code|safe account|"
        r"impersonat\w*|investment|phishing|fake (?:police|customer service))\b",
    ),
    "public_safety_hazard": (
        r"隐患|高空抛物|飞线充电|私拉电线|充电|消防通道|灭火器|井盖|燃气|煤气|漏气|"
        r"起火|着火|电线|护栏|坍塌|危房|松动|脱落|堵塞",
        r"\b(?:hazard|fire exit|fire escape|extinguisher|manhole|gas leak|wiring|"
        r"charging|thrown from|fell from|collapse|loose tiles?|railing)\b",
    ),
}
