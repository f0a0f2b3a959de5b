"""Ready-made questionnaires: the intranet's temperature and a short wellbeing pulse, in Danish and English.

They are content, written in the site's language when a survey is made
from them (``[site] default_language``), and edited in the builder like any
other questionnaire.
"""

from __future__ import annotations

from intranet_surveys.questionnaire import Condition, Definition, Option, Question, Section

TEMPLATES = ("blank", "temperature", "pulse")


def _options(pairs: list[tuple[str, str]]) -> list[Option]:
    return [Option(value=value, label=label) for value, label in pairs]


def temperature(language: str) -> Definition:
    """How staff use the intranet and why, what works and what is missing: the yearly measurement."""
    def t(danish: str, english: str) -> str:
        return danish if language == "da" else english

    return Definition(
        title=t("Intranettets temperatur", "The intranet's temperature"),
        description=t(
            "Hvordan bruger du intranettet, og hvad skal det kunne? Dine svar er anonyme og tager fem minutter. "
            "Sammen med tallene for brugen viser de, hvordan intranettet har det.",
            "How do you use the intranet, and what should it do for you? Your answers are anonymous and take "
            "five minutes. Together with the figures of use they show how the intranet is doing.",
        ),
        sections=[
            Section(key="use", title=t("Hvordan bruger du intranettet?", "How do you use the intranet?"), questions=[
                Question(key="frequency", type="single", required=True,
                         label=t("Hvor ofte bruger du intranettet?", "How often do you use the intranet?"),
                         options=_options([
                             ("several_daily", t("Flere gange om dagen", "Several times a day")),
                             ("daily", t("Dagligt", "Every day")),
                             ("weekly", t("Et par gange om ugen", "A few times a week")),
                             ("rarely", t("Sjældent", "Rarely")),
                             ("never", t("Aldrig", "Never")),
                         ])),
                Question(key="why_rarely", type="text",
                         label=t("Hvad holder dig fra at bruge det mere?", "What keeps you from using it more?"),
                         show_if=Condition(question="frequency", values=["rarely", "never"])),
                Question(key="device", type="single", required=True,
                         label=t("Hvad bruger du mest til intranettet?", "What do you mostly use the intranet on?"),
                         options=_options([
                             ("phone", t("Min telefon", "My phone")),
                             ("tablet", t("En tablet", "A tablet")),
                             ("computer", t("En computer", "A computer")),
                             ("mixed", t("Lige meget af hvert", "All of them equally")),
                         ])),
                Question(key="when", type="multiple",
                         label=t("Hvornår på dagen bruger du det?", "When in the day do you use it?"),
                         options=_options([
                             ("early", t("Før kl. 8", "Before 8")),
                             ("morning", t("Kl. 8-12", "8 to 12")),
                             ("afternoon", t("Kl. 12-16", "12 to 16")),
                             ("evening", t("Efter kl. 16", "After 16")),
                             ("weekend", t("I weekenden", "At weekends")),
                         ])),
            ]),
            Section(key="what", title=t("Hvad bruger du det til?", "What do you use it for?"), questions=[
                Question(key="features", type="multiple",
                         label=t("Hvad bruger du intranettet til?", "What do you use the intranet for?"),
                         options=_options([
                             ("news", t("Nyheder", "News")),
                             ("people", t("Finde kolleger", "Finding colleagues")),
                             ("groups", t("Mine grupper", "My groups")),
                             ("documents", t("Dokumenter og systemer", "Documents and systems")),
                             ("onboarding", t("Introforløb", "Onboarding")),
                             ("surveys", t("Spørgeskemaer", "Surveys")),
                         ])),
                Question(key="findable", type="scale", required=True,
                         label=t("Det er let at finde det, jeg skal bruge", "It is easy to find what I need")),
                Question(key="informed", type="scale", required=True,
                         label=t("Intranettet holder mig orienteret om, hvad der sker",
                                 "The intranet keeps me informed about what is going on")),
            ]),
            Section(key="verdict", title=t("Hvad virker, og hvad mangler?", "What works, and what is missing?"),
                    questions=[
                        Question(key="works", type="text", label=t("Hvad virker godt?", "What works well?")),
                        Question(key="missing", type="text",
                                 label=t("Hvad mangler, eller hvad skal være bedre?",
                                         "What is missing, or should be better?")),
                        Question(key="recommend", type="nps", required=True,
                                 label=t("Hvor sandsynligt er det, at du vil anbefale intranettet til en ny "
                                         "kollega?", "How likely are you to recommend the intranet to a new "
                                         "colleague?")),
                    ]),
        ],
    )


def pulse(language: str) -> Definition:
    """Four questions, for a pulse every few weeks."""
    def t(danish: str, english: str) -> str:
        return danish if language == "da" else english

    return Definition(
        title=t("Trivselspuls", "Wellbeing pulse"),
        description=t("Fire korte spørgsmål. Dine svar er anonyme.",
                      "Four short questions. Your answers are anonymous."),
        sections=[Section(key="pulse", questions=[
            Question(key="mood", type="scale", required=True,
                     label=t("Jeg glæder mig til at gå på arbejde", "I look forward to going to work")),
            Question(key="workload", type="scale", required=True,
                     label=t("Min arbejdsmængde er til at overkomme", "My workload is manageable")),
            Question(key="support", type="yesno", required=True,
                     label=t("Jeg får den hjælp, jeg har brug for, fra mine kolleger",
                             "I get the help I need from my colleagues")),
            Question(key="comment", type="text",
                     label=t("Er der noget, du vil fortælle os?", "Is there anything you want to tell us?")),
        ])],
    )


def blank(language: str, title: str) -> Definition:
    """A new questionnaire: one question to start from."""
    da = language == "da"
    return Definition(title=title, sections=[Section(key="s1", questions=[
        Question(key="q1", type="scale", required=True,
                 label="Jeg er tilfreds med ..." if da else "I am satisfied with ..."),
    ])])


def starting_point(name: str, language: str, title: str) -> Definition:
    if name == "temperature":
        return temperature(language)
    if name == "pulse":
        return pulse(language)
    return blank(language, title)
