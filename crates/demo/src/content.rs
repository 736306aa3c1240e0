//! The words the demo company's history is written with: names in three
//! scripts with their Latin spellings, company names, titles, subjects and
//! reasons. Everything is `'static`, so picking a word allocates nothing.

/// A given name in its own script, its Latin spelling for email addresses
/// and handles, and whether it is a woman's name (Russian surnames agree).
pub(crate) struct GivenName {
    pub native: &'static str,
    pub latin: &'static str,
    pub female: bool,
}

/// A surname in its own script and Latin spelling; Russian surnames take
/// `а`/`a` in the feminine.
pub(crate) struct Surname {
    pub native: &'static str,
    pub latin: &'static str,
}

const fn m(native: &'static str, latin: &'static str) -> GivenName {
    GivenName {
        native,
        latin,
        female: false,
    }
}

const fn f(native: &'static str, latin: &'static str) -> GivenName {
    GivenName {
        native,
        latin,
        female: true,
    }
}

const fn s(native: &'static str, latin: &'static str) -> Surname {
    Surname { native, latin }
}

/// The three naming traditions of the demo company's customers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Culture {
    English,
    Russian,
    Arabic,
}

impl Culture {
    pub fn given_names(self) -> &'static [GivenName] {
        match self {
            Self::English => ENGLISH_GIVEN,
            Self::Russian => RUSSIAN_GIVEN,
            Self::Arabic => ARABIC_GIVEN,
        }
    }

    pub fn surnames(self) -> &'static [Surname] {
        match self {
            Self::English => ENGLISH_SURNAMES,
            Self::Russian => RUSSIAN_SURNAMES,
            Self::Arabic => ARABIC_SURNAMES,
        }
    }
}

pub(crate) const ENGLISH_GIVEN: &[GivenName] = &[
    m("James", "james"),
    f("Mary", "mary"),
    m("John", "john"),
    f("Patricia", "patricia"),
    m("Robert", "robert"),
    f("Jennifer", "jennifer"),
    m("Michael", "michael"),
    f("Linda", "linda"),
    m("William", "william"),
    f("Elizabeth", "elizabeth"),
    m("David", "david"),
    f("Barbara", "barbara"),
    m("Richard", "richard"),
    f("Susan", "susan"),
    m("Joseph", "joseph"),
    f("Jessica", "jessica"),
    m("Thomas", "thomas"),
    f("Sarah", "sarah"),
    m("Charles", "charles"),
    f("Karen", "karen"),
    m("Daniel", "daniel"),
    f("Emily", "emily"),
    m("Matthew", "matthew"),
    f("Olivia", "olivia"),
    m("Anthony", "anthony"),
    f("Emma", "emma"),
    m("Mark", "mark"),
    f("Sophie", "sophie"),
    m("Paul", "paul"),
    f("Charlotte", "charlotte"),
    m("Steven", "steven"),
    f("Hannah", "hannah"),
    m("Andrew", "andrew"),
    f("Lucy", "lucy"),
    m("George", "george"),
    f("Grace", "grace"),
    m("Oliver", "oliver"),
    f("Chloe", "chloe"),
    m("Henry", "henry"),
    f("Amelia", "amelia"),
];

pub(crate) const ENGLISH_SURNAMES: &[Surname] = &[
    s("Smith", "smith"),
    s("Johnson", "johnson"),
    s("Williams", "williams"),
    s("Brown", "brown"),
    s("Jones", "jones"),
    s("Miller", "miller"),
    s("Davis", "davis"),
    s("Wilson", "wilson"),
    s("Taylor", "taylor"),
    s("Anderson", "anderson"),
    s("Thomas", "thomas"),
    s("Moore", "moore"),
    s("Martin", "martin"),
    s("Jackson", "jackson"),
    s("Thompson", "thompson"),
    s("White", "white"),
    s("Harris", "harris"),
    s("Clark", "clark"),
    s("Lewis", "lewis"),
    s("Walker", "walker"),
    s("Hall", "hall"),
    s("Allen", "allen"),
    s("Young", "young"),
    s("King", "king"),
    s("Wright", "wright"),
    s("Scott", "scott"),
    s("Green", "green"),
    s("Baker", "baker"),
    s("Adams", "adams"),
    s("Nelson", "nelson"),
    s("Hill", "hill"),
    s("Campbell", "campbell"),
    s("Mitchell", "mitchell"),
    s("Roberts", "roberts"),
    s("Carter", "carter"),
    s("Phillips", "phillips"),
    s("Evans", "evans"),
    s("Turner", "turner"),
    s("Parker", "parker"),
    s("Collins", "collins"),
];

pub(crate) const RUSSIAN_GIVEN: &[GivenName] = &[
    m("Иван", "ivan"),
    f("Ольга", "olga"),
    m("Алексей", "aleksey"),
    f("Анна", "anna"),
    m("Дмитрий", "dmitry"),
    f("Мария", "maria"),
    m("Сергей", "sergey"),
    f("Елена", "elena"),
    m("Андрей", "andrey"),
    f("Наталья", "natalya"),
    m("Михаил", "mikhail"),
    f("Татьяна", "tatyana"),
    m("Николай", "nikolay"),
    f("Ирина", "irina"),
    m("Владимир", "vladimir"),
    f("Светлана", "svetlana"),
    m("Павел", "pavel"),
    f("Екатерина", "ekaterina"),
    m("Артём", "artem"),
    f("Юлия", "yulia"),
    m("Максим", "maksim"),
    f("Анастасия", "anastasia"),
    m("Егор", "egor"),
    f("Дарья", "darya"),
    m("Юрий", "yury"),
    f("Ксения", "ksenia"),
    m("Олег", "oleg"),
    f("Полина", "polina"),
    m("Роман", "roman"),
    f("Вера", "vera"),
    m("Игорь", "igor"),
    f("Людмила", "lyudmila"),
    m("Константин", "konstantin"),
    f("Марина", "marina"),
    m("Виктор", "viktor"),
    f("Алина", "alina"),
    m("Георгий", "georgy"),
    f("Софья", "sofya"),
    m("Тимур", "timur"),
    f("Валентина", "valentina"),
];

/// Masculine forms; every one ends in -ов, -ев or -ин, so the feminine
/// adds `а`.
pub(crate) const RUSSIAN_SURNAMES: &[Surname] = &[
    s("Петров", "petrov"),
    s("Смирнов", "smirnov"),
    s("Иванов", "ivanov"),
    s("Кузнецов", "kuznetsov"),
    s("Попов", "popov"),
    s("Васильев", "vasilyev"),
    s("Соколов", "sokolov"),
    s("Михайлов", "mikhailov"),
    s("Новиков", "novikov"),
    s("Фёдоров", "fedorov"),
    s("Морозов", "morozov"),
    s("Волков", "volkov"),
    s("Алексеев", "alekseev"),
    s("Лебедев", "lebedev"),
    s("Семёнов", "semenov"),
    s("Егоров", "egorov"),
    s("Павлов", "pavlov"),
    s("Козлов", "kozlov"),
    s("Степанов", "stepanov"),
    s("Николаев", "nikolaev"),
    s("Орлов", "orlov"),
    s("Андреев", "andreev"),
    s("Макаров", "makarov"),
    s("Никитин", "nikitin"),
    s("Захаров", "zakharov"),
    s("Зайцев", "zaitsev"),
    s("Соловьёв", "solovyev"),
    s("Борисов", "borisov"),
    s("Яковлев", "yakovlev"),
    s("Григорьев", "grigoryev"),
    s("Романов", "romanov"),
    s("Воробьёв", "vorobyev"),
    s("Сергеев", "sergeev"),
    s("Кузьмин", "kuzmin"),
    s("Фролов", "frolov"),
    s("Александров", "aleksandrov"),
    s("Дмитриев", "dmitriev"),
    s("Королёв", "korolev"),
    s("Гусев", "gusev"),
    s("Киселёв", "kiselev"),
];

pub(crate) const ARABIC_GIVEN: &[GivenName] = &[
    m("أحمد", "ahmed"),
    f("فاطمة", "fatima"),
    m("محمد", "mohammed"),
    f("عائشة", "aisha"),
    m("علي", "ali"),
    f("مريم", "maryam"),
    m("عمر", "omar"),
    f("نورة", "noura"),
    m("خالد", "khaled"),
    f("سارة", "sara"),
    m("يوسف", "yousef"),
    f("ليلى", "layla"),
    m("حسن", "hassan"),
    f("هدى", "huda"),
    m("حسين", "hussein"),
    f("ريم", "reem"),
    m("إبراهيم", "ibrahim"),
    f("أمل", "amal"),
    m("سعيد", "saeed"),
    f("سلمى", "salma"),
    m("عبدالله", "abdullah"),
    f("دانة", "dana"),
    m("فيصل", "faisal"),
    f("لطيفة", "latifa"),
    m("طارق", "tariq"),
    f("شيخة", "shaikha"),
    m("ماجد", "majed"),
    f("منى", "mona"),
    m("سلطان", "sultan"),
    f("رنا", "rana"),
    m("راشد", "rashid"),
    f("هند", "hind"),
    m("زايد", "zayed"),
    f("ياسمين", "yasmin"),
    m("منصور", "mansour"),
    f("نادية", "nadia"),
    m("ناصر", "nasser"),
    f("جميلة", "jamila"),
    m("كريم", "karim"),
    f("زينب", "zainab"),
];

pub(crate) const ARABIC_SURNAMES: &[Surname] = &[
    s("الحسن", "alhassan"),
    s("المنصوري", "almansouri"),
    s("الهاشمي", "alhashimi"),
    s("الشامسي", "alshamsi"),
    s("النعيمي", "alnuaimi"),
    s("الكعبي", "alkaabi"),
    s("الظاهري", "aldhaheri"),
    s("المهيري", "almheiri"),
    s("السويدي", "alsuwaidi"),
    s("الفلاسي", "alfalasi"),
    s("القاسمي", "alqasimi"),
    s("البلوشي", "albalushi"),
    s("الزعابي", "alzaabi"),
    s("العامري", "alameri"),
    s("الحمادي", "alhammadi"),
    s("المري", "almarri"),
    s("الشحي", "alshehhi"),
    s("النقبي", "alnaqbi"),
    s("الكتبي", "alketbi"),
    s("المزروعي", "almazrouei"),
    s("العلي", "alali"),
    s("الخوري", "alkhoury"),
    s("حداد", "haddad"),
    s("الأحمد", "alahmad"),
    s("السيد", "alsayed"),
    s("الرشيد", "alrashid"),
    s("العتيبي", "alotaibi"),
    s("القحطاني", "alqahtani"),
    s("الغامدي", "alghamdi"),
    s("الدوسري", "aldosari"),
    s("الشمري", "alshammari"),
    s("الحربي", "alharbi"),
    s("الزهراني", "alzahrani"),
    s("المطيري", "almutairi"),
    s("العنزي", "alanazi"),
    s("الخالدي", "alkhalidi"),
    s("التميمي", "altamimi"),
    s("السعدي", "alsaadi"),
    s("البكري", "albakri"),
    s("الجبوري", "aljuboori"),
];

/// Where a customer is: it sets phone prefixes, addresses, company forms
/// and the currency deals are priced in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Region {
    Britain,
    Germany,
    Russia,
    Emirates,
}

impl Region {
    pub fn index(self) -> usize {
        match self {
            Self::Britain => 0,
            Self::Germany => 1,
            Self::Russia => 2,
            Self::Emirates => 3,
        }
    }

    pub fn dialing_code(self) -> &'static str {
        match self {
            Self::Britain => "+44",
            Self::Germany => "+49",
            Self::Russia => "+7",
            Self::Emirates => "+971",
        }
    }

    /// Mobile prefixes after the country code, and how many more digits
    /// follow.
    pub fn mobile_prefixes(self) -> (&'static [&'static str], u32) {
        match self {
            Self::Britain => (&["7700", "7712", "7723", "7841", "7956"], 6),
            Self::Germany => (&["151", "160", "170", "176", "152"], 8),
            Self::Russia => (&["912", "916", "921", "903", "985", "926"], 7),
            Self::Emirates => (&["50", "52", "55", "56"], 7),
        }
    }

    pub fn landline_prefixes(self) -> (&'static [&'static str], u32) {
        match self {
            Self::Britain => (&["20", "161", "121", "131"], 7),
            Self::Germany => (&["30", "40", "89", "69"], 7),
            Self::Russia => (&["495", "812", "343", "383"], 7),
            Self::Emirates => (&["4", "2", "6"], 7),
        }
    }

    pub fn personal_mail_domains(self) -> &'static [&'static str] {
        match self {
            Self::Britain => &["gmail.com", "outlook.com", "yahoo.co.uk", "btinternet.com"],
            Self::Germany => &["gmail.com", "web.de", "gmx.de", "t-online.de"],
            Self::Russia => &["yandex.ru", "mail.ru", "gmail.com", "rambler.ru"],
            Self::Emirates => &["gmail.com", "outlook.com", "emirates.net.ae", "hotmail.com"],
        }
    }

    pub fn currencies(self) -> &'static [&'static str] {
        match self {
            Self::Britain => &["EUR", "USD", "EUR"],
            Self::Germany => &["EUR"],
            Self::Russia => &["RUB", "RUB", "RUB", "USD"],
            Self::Emirates => &["AED", "AED", "USD"],
        }
    }

    /// The usual size of a deal, in whole units of the first currency.
    pub fn deal_amount_range(self, currency: &str) -> (i64, i64) {
        match currency {
            "RUB" => (150_000, 6_000_000),
            "AED" => (10_000, 600_000),
            _ => (1_000, 150_000),
        }
    }
}

pub(crate) const ENGLISH_COMPANY_ROOTS: &[&str] = &[
    "Northwind",
    "Bluewater",
    "Redstone",
    "Silverline",
    "Greenfield",
    "Oakridge",
    "Brightpath",
    "Summit",
    "Harbour",
    "Crescent",
    "Atlas",
    "Pioneer",
    "Sterling",
    "Meridian",
    "Evergreen",
    "Keystone",
    "Riverside",
    "Westgate",
];

pub(crate) const ENGLISH_COMPANY_TRADES: &[&str] = &[
    "Trading",
    "Logistics",
    "Foods",
    "Systems",
    "Supplies",
    "Consulting",
    "Retail",
    "Industries",
    "Textiles",
    "Motors",
    "Pharma",
    "Electronics",
];

pub(crate) const GERMAN_COMPANY_ROOTS: &[&str] = &[
    "Nordstern",
    "Bergmann",
    "Rheintal",
    "Alpen",
    "Hansa",
    "Schwarzwald",
    "Elbe",
    "Lindner",
    "Weber",
    "Falken",
    "Isar",
    "Main",
];

pub(crate) const GERMAN_COMPANY_TRADES: &[&str] = &[
    "Handel",
    "Logistik",
    "Technik",
    "Maschinenbau",
    "Lebensmittel",
    "Bau",
    "Elektro",
    "Verpackung",
];

/// Russian company names are one word: a root and a trade, as in
/// «Уралснаб»; the pairs give the Latin spelling for the web domain.
pub(crate) const RUSSIAN_COMPANY_ROOTS: &[(&str, &str)] = &[
    ("Урал", "ural"),
    ("Волга", "volga"),
    ("Сиб", "sib"),
    ("Балт", "balt"),
    ("Нева", "neva"),
    ("Вектор", "vektor"),
    ("Альфа", "alfa"),
    ("Меридиан", "meridian"),
    ("Арктика", "arktika"),
    ("Форвард", "forvard"),
    ("Дон", "don"),
    ("Кама", "kama"),
];

pub(crate) const RUSSIAN_COMPANY_TRADES: &[(&str, &str)] = &[
    ("снаб", "snab"),
    ("торг", "torg"),
    ("пром", "prom"),
    ("строй", "stroy"),
    ("логистик", "logistic"),
    ("трейд", "trade"),
    ("сервис", "service"),
    ("техно", "tekhno"),
];

pub(crate) const EMIRATI_COMPANY_ROOTS: &[&str] = &[
    "Al Noor",
    "Gulf Star",
    "Desert Rose",
    "Al Waha",
    "Emirates Horizon",
    "Falcon",
    "Pearl Coast",
    "Al Safa",
    "Oasis",
    "Golden Dune",
];

pub(crate) const EMIRATI_COMPANY_TRADES: &[&str] = &[
    "Trading",
    "General Trading",
    "Logistics",
    "Foodstuff",
    "Technologies",
    "Contracting",
    "Electronics",
];

pub(crate) const STREETS: [&[&str]; 4] = [
    &[
        "King Street",
        "High Street",
        "Station Road",
        "Victoria Road",
        "Church Lane",
        "Mill Lane",
    ],
    &[
        "Hauptstraße",
        "Bahnhofstraße",
        "Schillerstraße",
        "Gartenweg",
        "Lindenallee",
        "Hafenstraße",
    ],
    &[
        "ул. Ленина",
        "ул. Мира",
        "пр. Победы",
        "ул. Гагарина",
        "Невский пр.",
        "ул. Садовая",
    ],
    &[
        "Sheikh Zayed Road",
        "Al Wasl Road",
        "Corniche Road",
        "Business Bay",
        "Al Maryah Island",
        "Jumeirah Lake Towers",
    ],
];

/// Cities with a postal code pattern's fixed part.
pub(crate) const CITIES: [&[(&str, &str)]; 4] = [
    &[
        ("London", "EC1A"),
        ("Manchester", "M2"),
        ("Birmingham", "B1"),
        ("Leeds", "LS1"),
        ("Bristol", "BS1"),
    ],
    &[
        ("Hamburg", "20"),
        ("Berlin", "10"),
        ("München", "80"),
        ("Köln", "50"),
        ("Frankfurt am Main", "60"),
    ],
    &[
        ("Москва", "1"),
        ("Санкт-Петербург", "19"),
        ("Екатеринбург", "620"),
        ("Новосибирск", "630"),
        ("Казань", "420"),
    ],
    &[
        ("Dubai", ""),
        ("Abu Dhabi", ""),
        ("Sharjah", ""),
        ("Dubai", ""),
        ("Ajman", ""),
    ],
];

pub(crate) const COUNTRIES: [&str; 4] = [
    "United Kingdom",
    "Deutschland",
    "Россия",
    "United Arab Emirates",
];

pub(crate) const SOURCES: &[&str] = &[
    "website",
    "website",
    "referral",
    "referral",
    "cold call",
    "exhibition",
    "advertising",
];

pub(crate) const COMPANY_TAGS: &[&str] = &[
    "b2b",
    "wholesale",
    "retail",
    "partner",
    "vip",
    "distributor",
    "newsletter",
];

pub(crate) const PERSON_TAGS: &[&str] = &["newsletter", "decision-maker", "vip", "b2c", "webinar"];

pub(crate) const JOB_TITLES: &[&str] = &[
    "CEO",
    "Managing Director",
    "Purchasing Manager",
    "Head of Procurement",
    "Chief Accountant",
    "Sales Director",
    "Office Manager",
    "Logistics Coordinator",
    "CFO",
    "Operations Manager",
    "Marketing Manager",
    "IT Manager",
];

pub(crate) const RUSSIAN_JOB_TITLES: &[&str] = &[
    "Генеральный директор",
    "Менеджер по закупкам",
    "Главный бухгалтер",
    "Коммерческий директор",
    "Руководитель отдела снабжения",
    "Офис-менеджер",
    "Финансовый директор",
    "Логист",
];

pub(crate) const INDUSTRIES: &[&str] = &[
    "Retail",
    "Manufacturing",
    "Construction",
    "Food and beverage",
    "Logistics",
    "Healthcare",
    "Hospitality",
    "IT services",
];

pub(crate) const PRODUCTS: &[&str] = &[
    "Annual supply contract",
    "Office furniture",
    "Packaging materials",
    "CRM rollout",
    "Spare parts",
    "Logistics services",
    "Equipment lease",
    "Catering for events",
    "Warehouse shelving",
    "Maintenance contract",
    "Pilot order",
    "Staff training",
];

pub(crate) const LEAD_TITLES: &[&str] = &[
    "Request from the website form",
    "Inquiry about wholesale prices",
    "Exhibition contact",
    "Referral from a partner",
    "Asked for a catalogue",
    "Callback request",
    "Inquiry about delivery to the Gulf",
    "Reply to the newsletter",
];

pub(crate) const LEAD_DISQUALIFY_REASONS: &[&str] = &[
    "Not a target customer",
    "No budget this year",
    "Could not reach the contact",
    "Private inquiry, not a business",
    "Already served by a partner",
];

pub(crate) const LOSS_REASONS: &[&str] = &[
    "Price too high",
    "Chose a competitor",
    "No budget",
    "No response from the client",
    "Project postponed",
    "Requirements changed",
    "Delivery terms did not fit",
];

pub(crate) const WIN_REASONS: &[&str] = &[
    "Best price",
    "Good references",
    "Fast delivery",
    "Long-standing relationship",
];

pub(crate) const EMAIL_SUBJECTS: &[&str] = &[
    "Commercial proposal",
    "Price list for the next quarter",
    "Meeting follow-up",
    "Contract draft",
    "Invoice and payment details",
    "Re: delivery terms",
    "Product catalogue",
    "Questions about the order",
    "Thank you for your order",
    "Updated quote",
];

pub(crate) const RUSSIAN_EMAIL_SUBJECTS: &[&str] = &[
    "Коммерческое предложение",
    "Счёт на оплату",
    "Договор поставки",
    "Прайс-лист",
    "Re: сроки доставки",
    "Итоги встречи",
];

pub(crate) const EMAIL_BODIES: &[&str] = &[
    "Please find the documents attached.",
    "As discussed, sending the details below.",
    "Could you confirm the quantities by Friday?",
    "Thank you for the quick reply.",
    "We can offer a 5% discount for a yearly commitment.",
    "",
];

pub(crate) const CALL_SUBJECTS: &[&str] = &[
    "Follow-up call",
    "Introductory call",
    "Price negotiation",
    "Delivery question",
    "Payment reminder",
];

pub(crate) const CALL_NOTES: &[&str] = &[
    "Discussed the delivery schedule.",
    "Asked for a discount on a larger volume.",
    "Will call back next week.",
    "Sent the price list after the call.",
    "Interested, needs approval from the director.",
    "",
    "",
];

pub(crate) const NOTES: &[&str] = &[
    "Prefers WhatsApp over email.",
    "Budget approved for the next quarter.",
    "The decision maker is the CFO.",
    "Visited their warehouse; plenty of room for our shelving.",
    "Pays late but always pays.",
    "Asked not to call before 10 am.",
    "Met at the trade fair stand.",
    "Клиент просит присылать документы на русском.",
    "Отгрузка только по предоплате.",
    "يفضل التواصل عبر واتساب.",
];

pub(crate) const MEETING_LOCATIONS: &[&str] = &[
    "Our office, meeting room 2",
    "Client's office",
    "Zoom",
    "Microsoft Teams",
    "Café near the client's office",
    "Trade fair stand",
];

pub(crate) const MEETING_TITLES: &[&str] = &[
    "Meeting with the client",
    "Product demo",
    "Contract signing",
    "Site visit",
    "Quarterly review",
    "Negotiation",
];

pub(crate) const TASK_TITLES: &[&str] = &[
    "Call back about the proposal",
    "Send the contract draft",
    "Prepare a quote",
    "Check the payment",
    "Follow up after the meeting",
    "Update contact details",
    "Schedule a demo",
    "Send samples",
    "Prepare documents for signing",
];

pub(crate) const TASK_DESCRIPTIONS: &[&str] = &[
    "",
    "",
    "See the last email for details.",
    "The client asked for this before the end of the week.",
    "Coordinate with the warehouse first.",
];

pub(crate) const CANCEL_REASONS: &[&str] = &[
    "No longer needed",
    "Client asked to postpone",
    "Done in another way",
];

pub(crate) const ARCHIVE_REASONS: &[&str] = &[
    "Company closed",
    "No longer a customer",
    "Asked not to be contacted",
    "Moved abroad",
];

pub(crate) const WITHDRAW_REASONS: &[&str] = &["Logged against the wrong contact", "Logged twice"];

pub(crate) const MANAGER_NAMES: &[(&str, &str)] = &[
    ("Anna", "Sokolova"),
    ("Tom", "Harris"),
    ("Omar", "Al Hashimi"),
    ("Elena", "Volkova"),
    ("Lukas", "Becker"),
    ("Priya", "Shah"),
    ("Dmitry", "Orlov"),
    ("Layla", "Haddad"),
    ("Ben", "Carter"),
    ("Julia", "Weber"),
    ("Karim", "Nasser"),
    ("Sofia", "Ivanova"),
];
