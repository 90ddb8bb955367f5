"""Every user-facing text, French first and English second, and locale-aware formatting.

Callbacks never hold text: they ask ``t(key, lang)`` (``tn`` for a text that depends on a
count). Typography belongs to the texts: the French narrow no-break space before ``:``, ``;``,
``?`` and ``!`` is written in the French templates, never added by code.

Numbers, percentages and month names are written by Babel from the CLDR data, the same data as
the browser's ``Intl`` API, so that a number reads the same whether the server or a browser
formats it (``tests/browser/test_locale_agreement.py`` checks it against Chromium).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import NumberPattern

if TYPE_CHECKING:
    from babel.plural import PluralRule

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANG: Lang = "fr"

NNBSP = "\u202f"  # espace fine insécable

# The CLDR locale of each language. Its BCP 47 tag (``fr-FR``, ``en-GB``) is what a browser's
# ``Intl`` is asked for in the agreement test.
BABEL_LOCALES: dict[Lang, str] = {"fr": "fr_FR", "en": "en_GB"}


@dataclass(frozen=True)
class Plural:
    """One text in its CLDR plural forms, chosen by ``tn``: ``one`` for the counts the language
    treats as singular (0 and 1 in French, only 1 in English), ``other`` for the rest (and for
    French's ``many``, the millions, which these texts never reach)."""

    one: str
    other: str

    def select(self, category: str) -> str:
        return self.one if category == "one" else self.other


LABELS: dict[str, tuple[str, str] | tuple[Plural, Plural]] = {
    # page
    "page_title": (
        "GEN_SCAN — offres et formations du numérique",
        "GEN_SCAN — digital jobs and trainings",
    ),
    "app_name": ("GEN_SCAN", "GEN_SCAN"),
    "tagline": (
        "Chaque mois, les offres d'emploi du numérique face aux formations disponibles, "
        "par département.",
        "Every month, digital job offers set against the trainings available, by département.",
    ),
    "demo_badge": ("Données de démonstration", "Demo data"),
    "demo_note": (
        "Les chiffres affichés sont une histoire de démonstration générée, calée sur les chiffres "
        "publiés par GEN_SCAN : ce ne sont pas des données réelles.",
        "The figures shown are a generated demo history calibrated on GEN_SCAN's published "
        "figures: they are not real data.",
    ),
    "skip_to_content": ("Aller au contenu", "Skip to content"),
    "language": ("Langue", "Language"),
    # filters
    "filters": ("Filtres", "Filters"),
    "month": ("Mois", "Month"),
    "metric": ("Indicateur", "Indicator"),
    "region": ("Région", "Region"),
    "department": ("Département", "Département"),
    "family": ("Famille de métiers", "Job family"),
    "metier": ("Métier", "Métier (job)"),
    "poste": ("Poste", "Poste (position)"),
    "all_regions": ("Toute la France", "All of France"),
    "all_departments": ("Tous les départements", "All départements"),
    "all_families": ("Toutes les familles", "All families"),
    "all_metiers": ("Tous les métiers", "All métiers"),
    "all_postes": ("Tous les postes", "All postes"),
    "reset": ("Effacer la sélection", "Clear selection"),
    "metric_job_offers": ("Offres d'emploi", "Job offers"),
    "metric_trainings": ("Formations", "Trainings"),
    "metric_tension": ("Indice de tension", "Tension index"),
    # sections
    "map_title": ("Carte des départements", "Map of départements"),
    "map_help": (
        "Cliquez sur un département pour le sélectionner ; cliquez à nouveau pour revenir.",
        "Click a département to select it; click it again to go back.",
    ),
    "map_table_title": ("Les chiffres de la carte en tableau", "The map's figures as a table"),
    "key_figures_title": ("Chiffres clés", "Key figures"),
    "breakdown_title": ("Répartition par famille, métier et poste", "By family, métier and poste"),
    "breakdown_region_title": ("Répartition par région", "By region"),
    "trend_title": ("Évolution mensuelle", "Monthly trend"),
    "top_jobs_title": ("Top 30 des postes les plus demandés", "Top 30 most demanded postes"),
    "methodology_title": ("Méthodologie et sources", "Methodology and sources"),
    "download_csv": ("Télécharger les chiffres (CSV)", "Download the figures (CSV)"),
    "share_hint": (
        "L'adresse de la page décrit la vue affichée : copiez-la pour la partager.",
        "The page address describes this view: copy it to share it.",
    ),
    # key figures
    "kf_job_offers": ("Offres d'emploi", "Job offers"),
    "kf_trainings": ("Formations disponibles", "Trainings available"),
    "kf_tension": ("Indice de tension", "Tension index"),
    "kf_vs_month": ("sur 1 mois", "over 1 month"),
    "kf_vs_year": ("sur 12 mois", "over 12 months"),
    "kf_no_comparison": ("pas de mois de comparaison", "no month to compare"),
    "kf_points": ("pt", "pt"),
    # statuses
    "status_ok": ("Indice calculé", "Index computed"),
    "status_no_trainings": ("Aucune formation (indice +∞)", "No training (index +∞)"),
    "status_no_offers": ("Aucune offre (indice −∞)", "No job offer (index −∞)"),
    "status_no_data": ("Pas de données", "No data"),
    # charts
    "axis_count": ("Nombre", "Count"),
    "axis_index": ("Indice", "Index"),
    "national": ("France", "France"),
    "national_curve": ("France (comparaison)", "France (comparison)"),
    "reference_line": ("Référence nationale (1)", "National reference (1)"),
    "balance_line": ("Équilibre (0)", "Balance (0)"),
    "hover_offers": ("Offres", "Offers"),
    "hover_trainings": ("Formations", "Trainings"),
    "hover_index": ("Indice", "Index"),
    "hover_status": ("Statut", "Status"),
    "no_figures": ("Aucun chiffre pour cette sélection.", "No figures for this selection."),
    "insets_note": (
        "Outre-mer et petite couronne parisienne en médaillons.",
        "Overseas départements and inner Paris shown in insets.",
    ),
    # top 30
    "col_rank": ("Rang", "Rank"),
    "col_trend": ("Évolution", "Trend"),
    "col_poste": ("Poste", "Poste"),
    "col_metier": ("Métier", "Métier"),
    "col_family": ("Famille", "Family"),
    "col_offers_quarter": ("Offres (trimestre)", "Offers (quarter)"),
    "col_trainings_quarter": ("Formations (trimestre)", "Trainings (quarter)"),
    "col_index": ("Indice de tension", "Tension index"),
    "col_status": ("Statut", "Status"),
    "col_territory": ("Territoire", "Territory"),
    "col_code": ("Code", "Code"),
    "col_offers": ("Offres", "Offers"),
    "col_trainings": ("Formations", "Trainings"),
    "badge_new": ("nouveau", "new"),
    "quarter": ("T{q} {year}", "Q{q} {year}"),
    "top_caption": (
        "{territory}, {quarter} : classés par offres cumulées du trimestre ; évolution du rang "
        "par rapport au {previous}.",
        "{territory}, {quarter}: ranked by the quarter's total offers; rank change against "
        "{previous}.",
    ),
    "top_caption_first": (
        "{territory}, {quarter} : classés par offres cumulées du trimestre ; pas de trimestre "
        "précédent à comparer.",
        "{territory}, {quarter}: ranked by the quarter's total offers; no previous quarter to "
        "compare.",
    ),
    # notices and errors
    "vintage_shown": (
        "Chiffres tels que publiés le {date} (version {id}).",
        "Figures as published on {date} (version {id}).",
    ),
    "vintage_current": (
        "Voir les chiffres actuels",
        "See the current figures",
    ),
    "notice_ignored": (
        "Paramètre ignoré dans l'adresse : {detail}",
        "Ignored in the address: {detail}",
    ),
    "db_down": (
        "La base de données est momentanément injoignable. Les chiffres reviendront d'eux-mêmes "
        "dès qu'elle répondra (nouvel essai toutes les 5 secondes).",
        "The database cannot be reached right now. Figures will come back by themselves as soon "
        "as it answers (retrying every 5 seconds).",
    ),
    "no_month": (
        "Aucun mois n'a encore été importé : lancez « python -m data_access seed-demo » ou "
        "importez un fichier mensuel.",
        "No month has been imported yet: run “python -m data_access seed-demo” or import a "
        "monthly file.",
    ),
    "selection": ("Sélection", "Selection"),
    "label_value": ("{label} : {value}", "{label}: {value}"),
    # what changed: map mode and summary
    "view_mode": ("Afficher", "Show"),
    "mode_level": ("Valeurs du mois", "Values of the month"),
    "mode_change_1": ("Évolution sur 1 mois", "Change over 1 month"),
    "mode_change_12": ("Évolution sur 12 mois", "Change over 12 months"),
    "change_offers_title": ("Évolution des offres", "Change in offers"),
    "change_trainings_title": ("Évolution des formations", "Change in trainings"),
    "change_index_title": ("Évolution de l'indice", "Change in the index"),
    "change_period": ("sur {months} mois", "over {months} months"),
    "hover_change": ("Évolution", "Change"),
    "hover_since": ("depuis {month}", "since {month}"),
    "status_no_comparison": ("Comparaison impossible", "No comparison"),
    "changes_title": ("Ce qui a changé", "What changed"),
    "changes_note": (
        "Phrases écrites à partir des chiffres de la sélection (évolution sur {period} mois).",
        "Sentences written from the figures of the selection (change over {period} months).",
    ),
    "sum_sentence": (
        "{territory}, {scope}, {period} : {offers}, {joiner} {trainings} ; {index}.",
        "{territory}, {scope}, {period}: {offers}, {joiner} {trainings}; {index}.",
    ),
    "sum_period_year": ("sur un an ({earlier} → {month})", "over a year ({earlier} → {month})"),
    "sum_period_month": ("sur un mois ({earlier} → {month})", "over a month ({earlier} → {month})"),
    "sum_all_jobs": ("tous métiers du numérique", "all digital jobs"),
    "sum_and": ("et", "and"),
    "sum_while": ("tandis que", "while"),
    "sum_offers_up": (
        "les offres ont augmenté de {pct} ({figures})",
        "offers grew {pct} ({figures})",
    ),
    "sum_offers_down": (
        "les offres ont baissé de {pct} ({figures})",
        "offers fell {pct} ({figures})",
    ),
    "sum_offers_flat": (
        "les offres sont restées stables ({figures})",
        "offers stayed flat ({figures})",
    ),
    "sum_offers_appeared": ("des offres sont apparues ({figures})", "offers appeared ({figures})"),
    "sum_offers_none": (
        "aucune offre n'a été publiée ({figures})",
        "no offer was published ({figures})",
    ),
    "sum_offers_unknown": (
        "les offres ne sont pas connues pour les deux mois",
        "offers are not known for both months",
    ),
    "sum_trainings_up": (
        "les formations ont augmenté de {pct} ({figures})",
        "trainings grew {pct} ({figures})",
    ),
    "sum_trainings_down": (
        "les formations ont baissé de {pct} ({figures})",
        "trainings fell {pct} ({figures})",
    ),
    "sum_trainings_flat": (
        "les formations sont restées stables ({figures})",
        "trainings stayed flat ({figures})",
    ),
    "sum_trainings_appeared": (
        "des formations sont apparues ({figures})",
        "trainings appeared ({figures})",
    ),
    "sum_trainings_none": (
        "aucune formation n'était proposée ({figures})",
        "no training was on offer ({figures})",
    ),
    "sum_trainings_unknown": (
        "les formations ne sont pas connues pour les deux mois",
        "trainings are not known for both months",
    ),
    "sum_index_up": (
        "l'indice de tension est passé de {before} à {after}",
        "the tension index rose from {before} to {after}",
    ),
    "sum_index_down": (
        "l'indice de tension est passé de {before} à {after}",
        "the tension index fell from {before} to {after}",
    ),
    "sum_index_flat": (
        "l'indice de tension est resté à {value}",
        "the tension index stayed at {value}",
    ),
    "sum_index_undefined": (
        "l'indice de tension est passé de {before} à {after}",
        "the tension index went from {before} to {after}",
    ),
    "sum_status_ok": ("–", "–"),
    "sum_status_no_trainings": ("+∞ (aucune formation)", "+∞ (no training)"),
    "sum_status_no_offers": ("−∞ (aucune offre)", "−∞ (no offer)"),
    "sum_status_no_data": ("une valeur non définie", "undefined"),
    "sum_no_data": (
        "{territory} : aucune donnée pour {month}.",
        "{territory}: no data for {month}.",
    ),
    "sum_no_earlier": (
        "{territory} : pas de données pour {earlier}, aucune comparaison n'est possible.",
        "{territory}: no data for {earlier}, so no comparison is possible.",
    ),
    "sum_fragile": (
        "Prudence : moins de {threshold} offres et formations au total sur l'un des deux mois, "
        "l'évolution peut tenir au hasard.",
        "Caution: fewer than {threshold} offers and trainings in total in one of the two months, "
        "so the change may be chance.",
    ),
    "sum_mover": (
        "Plus forte hausse des offres parmi les {level} : {name} (+{pct}).",
        "Largest rise in offers among the {level}: {name} (+{pct}).",
    ),
    "sum_level_departments": ("départements", "départements"),
    "sum_level_regions": ("régions", "regions"),
    # reliability
    "fragile_label": ("Valeur fragile", "Fragile value"),
    "fragile_legend": (
        "Valeur fragile (moins de {threshold} offres + formations)",
        "Fragile value (fewer than {threshold} offers + trainings)",
    ),
    "fragile_hover_sim": (
        "Valeur fragile : moins de {threshold} offres et formations au total dans ce territoire "
        "pour ce poste ; l'indice et le rang sont à lire avec prudence.",
        "Fragile value: fewer than {threshold} offers and trainings in total in this territory "
        "for this poste; read the index and rank with caution.",
    ),
    "fragile_short": ("(fragile < {threshold})", "(fragile < {threshold})"),
    "fragile_exclude": (
        "Exclure les valeurs fragiles des classements",
        "Leave fragile values out of rankings",
    ),
    "col_reliability": ("Fiabilité", "Reliability"),
    "lang_switch": ("Langue", "Language"),
    "compare_label": ("Territoires comparés", "Territories compared"),
    "sort_by": ("Trier par {column}", "Sort by {column}"),
    "map_table_caption": ("Chiffres de la carte. {selection}", "Figures of the map. {selection}"),
    "fragile_excluded_note": (
        "Valeurs fragiles (moins de {threshold} offres + formations) exclues.",
        "Fragile values (fewer than {threshold} offers + trainings) left out.",
    ),
    # simulator
    "sim_title": ("Simulateur de places de formation", "Training-place simulator"),
    "sim_intro": (
        "Combien de formations prévoyez-vous d'ouvrir ? Le simulateur recalcule l'indice et le "
        "rang du territoire pour le poste choisi, sans rien enregistrer.",
        "How many trainings do you plan to open? The simulator recomputes the index and the "
        "territory's rank for the chosen poste, and stores nothing.",
    ),
    "sim_planned": ("Formations prévues", "Planned trainings"),
    "sim_need_choice": (
        "Choisissez un poste et une région ou un département (dans les filtres ou sur la carte) "
        "pour simuler.",
        "Choose a poste and a region or département (in the filters or on the map) to simulate.",
    ),
    "sim_context": (
        "{territory} · {poste} · {month}",
        "{territory} · {poste} · {month}",
    ),
    "sim_col_what": ("Pour ce poste", "For this poste"),
    "sim_before": ("Aujourd'hui", "Today"),
    "sim_after": (
        Plural("Avec {count} formation de plus", "Avec {count} formations de plus"),
        Plural("With {count} more training", "With {count} more trainings"),
    ),
    "sim_trainings": ("Formations", "Trainings"),
    "sim_index": ("Indice de tension", "Tension index"),
    "sim_rank": ("Rang parmi les {count} {level}", "Rank among the {count} {level}"),
    "sim_rank_value": ("{rank}ᵉ", "#{rank}"),
    "sim_rank_first": ("1ᵉʳ", "#1"),
    "sim_rank_excluded": ("exclu (fragile)", "left out (fragile)"),
    "sim_rank_none": ("non classé", "not ranked"),
    "sim_national_line": (
        "France entière, même poste : indice {before} aujourd'hui, {after} avec ces formations.",
        "All of France, same poste: index {before} today, {after} with these trainings.",
    ),
    "sim_rank_note": (
        "Rang 1 = tension la plus forte (le plus d'offres par formation). Les territoires sans "
        "formation ni offre ne sont pas classés.",
        "Rank 1 = highest tension (most offers per training). Territories with neither training "
        "nor offer are not ranked.",
    ),
    "sim_chart_title": (
        "Indice de tension des {level} pour ce poste",
        "Tension index of the {level} for this poste",
    ),
    "sim_marker_before": ("{territory} aujourd'hui", "{territory} today"),
    "sim_marker_after": ("{territory} après", "{territory} after"),
    "sim_others": ("Autres territoires", "Other territories"),
    "sim_invalid_plan": (
        "Entrez un nombre entier de formations entre 0 et {max}.",
        "Enter a whole number of trainings between 0 and {max}.",
    ),
    # compare
    "compare_title": ("Comparer des territoires", "Compare territories"),
    "compare_intro": (
        "Choisissez de deux à quatre territoires (la France, des régions, des départements) : "
        "leurs offres, formations et indices pour le filtre métier en cours.",
        "Choose two to four territories (France, regions, départements): their offers, "
        "trainings and indices for the current job filter.",
    ),
    "compare_placeholder": ("Ajouter un territoire…", "Add a territory…"),
    "compare_need_two": (
        "Ajoutez au moins deux territoires pour les comparer.",
        "Add at least two territories to compare them.",
    ),
    "compare_region_prefix": ("Région", "Region"),
    "compare_add_current": ("Ajouter la sélection", "Add the selection"),
    # report
    "report_link": ("Rapport imprimable", "Printable report"),
    "report_title": ("Rapport territorial", "Territory report"),
    "report_print": ("Imprimer", "Print"),
    "report_back": ("Retour au tableau de bord", "Back to the dashboard"),
    "report_subtitle": ("{territory} · {scope} · {month}", "{territory} · {scope} · {month}"),
    "report_map_title": ("Carte", "Map"),
    "report_top_title": (
        "Postes les plus demandés ({quarter})",
        "Most demanded postes ({quarter})",
    ),
    "report_summary_title": ("Ce qui a changé en un an", "What changed over a year"),
    "report_sources_title": ("Sources et méthode", "Sources and method"),
    "report_generated": (
        "Données de {month} ; indice de référence {reference} (i0 = {i0}). Rapport produit par "
        "GEN_SCAN.",
        "Data of {month}; index reference {reference} (i0 = {i0}). Report produced by GEN_SCAN.",
    ),
    "report_no_top": ("Aucun poste à classer pour ce territoire.", "No poste to rank here."),
    # methodology
    "method_sources_title": ("Sources", "Sources"),
    "method_sources": (
        "Offres d'emploi : statistiques mensuelles d'un agrégateur d'annonces, dédoublonnées et "
        "rattachées à la cartographie des métiers du numérique de la Grande École du Numérique. "
        "Formations : moteur de recherche de formations de GEN (ONISEP, Mon Compte Formation, "
        "réseau des CARIF-OREF), au format LHEO. Les formations uniquement en ligne ne sont "
        "rattachées à aucun département : elles comptent dans le total national seulement.",
        "Job offers: monthly statistics from a job-ad aggregator, deduplicated and mapped onto "
        "the Grande École du Numérique's digital job map. Trainings: GEN's training search "
        "engine (ONISEP, Mon Compte Formation, CARIF-OREF network), in the LHEO format. "
        "Online-only trainings belong to no département: they count in the national total only.",
    ),
    "method_jobmap_title": ("Cartographie des métiers", "Job map"),
    "method_jobmap": (
        "{families} familles, {metiers} métiers et {postes} postes (cartographie de janvier 2023).",
        "{families} families, {metiers} métiers and {postes} postes (job map of January 2023).",
    ),
    "method_index_title": ("Indice de tension", "Tension index"),
    "method_index": (
        "i = ln(offres / formations) / i0, où i0 = ln(offres / formations) au niveau national, "
        "tous postes confondus, en {month} (i0 = {i0}). L'indice vaut 0 quand offres et "
        "formations s'équilibrent et 1 au niveau national de référence. Les agrégats (région, "
        "famille…) rapportent des sommes d'offres à des sommes de formations : on ne fait jamais "
        "la moyenne d'indices. Sans formation, l'indice est +∞ ; sans offre, −∞ ; sans l'une ni "
        "l'autre, il n'est pas défini : la carte leur donne une couleur à part.",
        "i = ln(offers / trainings) / i0, where i0 = ln(offers / trainings) nationally, all "
        "postes together, in {month} (i0 = {i0}). The index is 0 when offers and trainings "
        "balance and 1 at the national reference. Aggregates (region, family…) divide summed "
        "offers by summed trainings: indices are never averaged. With no training the index is "
        "+∞; with no offer, −∞; with neither it is undefined: the map gives these their own "
        "colour.",
    ),
    "method_reference_fallback": (
        "Le mois de référence demandé ({requested}) est absent : le premier mois disponible est "
        "utilisé.",
        "The requested reference month ({requested}) is absent: the earliest month available is "
        "used.",
    ),
    "method_demo_title": ("Données de démonstration", "Demo data"),
    "method_real_data": (
        "Les chiffres proviennent des fichiers mensuels importés.",
        "The figures come from the imported monthly files.",
    ),
    "method_geo_title": ("Fond de carte", "Base map"),
    "method_geo": (
        "Contours des départements : IGN – ADMIN EXPRESS, Licence Ouverte 2.0 (simplifiés).",
        "Département boundaries: IGN – ADMIN EXPRESS, Licence Ouverte 2.0 (simplified).",
    ),
    "method_api_title": ("Données ouvertes", "Open data"),
    "method_api": (
        "Tous les chiffres sont disponibles par l'API : /api/v1 (description OpenAPI : "
        "/api/v1/openapi.json).",
        "Every figure is available from the API: /api/v1 (OpenAPI description: "
        "/api/v1/openapi.json).",
    ),
    # embeddable map (/embed)
    "embed_title": ("{indicator}, {month} — GEN_SCAN", "{indicator}, {month} — GEN_SCAN"),
    "embed_map_label": (
        "Carte des départements : {indicator}, {view}",
        "Map of départements: {indicator}, {view}",
    ),
    "embed_sources": (
        "Sources : offres d'emploi d'un agrégateur d'annonces, formations de la Grande École "
        "du Numérique ; contours IGN – ADMIN EXPRESS. GEN_SCAN.",
        "Sources: job offers from a job-ad aggregator, trainings from the Grande École du "
        "Numérique; boundaries IGN – ADMIN EXPRESS. GEN_SCAN.",
    ),
    "embed_full_map": ("Voir la carte complète", "See the full map"),
    "new_tab": ("(nouvel onglet)", "(new tab)"),
    "embed_db_down": (
        "La base de données est momentanément injoignable : la carte reviendra dès qu'elle "
        "répondra (nouvel essai dans {seconds} secondes).",
        "The database cannot be reached right now: the map will come back as soon as it "
        "answers (retrying in {seconds} seconds).",
    ),
}


def t(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (French when unknown), with ``{placeholders}`` filled."""
    french, english = LABELS[key]
    text = english if lang == "en" else french
    if isinstance(text, Plural):
        raise TypeError(f"{key!r} depends on a count: ask tn()")
    return text.format(**values) if values else text


def tn(key: str, lang: str, count: int, **values: object) -> str:
    """gettext's ``ngettext`` over the text table: the form of ``key`` that the CLDR plural
    rule of ``lang`` gives ``count``, with ``{count}`` written as a number of the language."""
    french, english = LABELS[key]
    forms = english if lang == "en" else french
    if not isinstance(forms, Plural):
        raise TypeError(f"{key!r} has no plural forms: ask t()")
    text = forms.select(plural_category(count, lang))
    return text.format(count=fmt_int(count, lang), **values)


def normalise_lang(value: object) -> Lang:
    return "en" if value == "en" else "fr"


# -- CLDR formatting ------------------------------------------------------------------------
# Babel reads its locale data from disk, so every object below is built on first use and kept.
Style = Literal["decimal", "percent"]
FORMAT_CACHE_SIZE = 4096  # numbers kept as written: about 1.5 MB, a few views of the page


@cache
def _locale(lang: Lang) -> Locale:
    return Locale.parse(BABEL_LOCALES[lang])


@cache
def _plural_rule(lang: Lang) -> PluralRule:
    return _locale(lang).plural_form


def plural_category(count: int, lang: str) -> str:
    """CLDR's plural category of ``count`` (``one``, ``other``…): in French 0 is singular."""
    return _plural_rule(normalise_lang(lang))(count)


def number_separators(lang: str) -> tuple[str, str]:
    """The language's decimal and thousands separators, for charts that format in the browser
    (Plotly's ``separators``) and must write numbers as the server does."""
    symbols = _locale(normalise_lang(lang)).number_symbols["latn"]
    return symbols["decimal"], symbols["group"]


@cache
def _pattern(lang: Lang, style: Style, digits: int, signed: bool) -> NumberPattern:
    """The locale's CLDR pattern for ``style`` with exactly ``digits`` decimals, parsed once.

    ``signed`` puts the locale's plus sign before positive values, as ``Intl``'s
    ``signDisplay: "exceptZero"`` does; negative values take the locale's minus sign.
    """
    locale = _locale(lang)
    base = (locale.percent_formats if style == "percent" else locale.decimal_formats)[None]
    symbols = locale.number_symbols["latn"]
    plus = symbols["plusSign"] if signed else ""
    prefixes = (plus + base.prefix[0], symbols["minusSign"] + base.prefix[0])
    return NumberPattern(
        base.pattern,
        prefixes,
        base.suffix,
        base.grouping,
        base.int_prec,
        (digits, digits),
        base.exp_prec,
        base.exp_plus,
        base.number_pattern,
    )


@cache
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def _rounded(value: float, places: int) -> Decimal:
    """``value`` rounded as ``Intl.NumberFormat`` rounds it: from its shortest decimal form
    (``1.005`` is 1.005, not the binary 1.00499…), half away from zero. Babel alone would
    round half to even. A result of zero loses its sign, so that no "-0" is ever written."""
    rounded = Decimal(str(value)).quantize(_quantum(places), ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


def _number(value: float, lang: Lang, style: Style, digits: int, signed: bool) -> str:
    rounded = _rounded(value, digits + (2 if style == "percent" else 0))
    return _render(rounded, lang, style, digits, signed and rounded != 0)


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _render(rounded: Decimal, lang: Lang, style: Style, digits: int, signed: bool) -> str:
    """Babel's writing of an already rounded value. Kept by rounded value: a page shows few
    distinct ones (indices to two decimals, percentages to one), and Babel takes about 5 µs
    per number where a cached one costs a dictionary look-up."""
    return _pattern(lang, style, digits, signed).apply(rounded, _locale(lang))


def _format(value: float | None, lang: str, style: Style, digits: int, signed: bool) -> str:
    """The one place that writes a missing or non-finite value as an en dash, so that every
    formatter below hands ``_number`` a real float."""
    if value is None or not math.isfinite(value):
        return "–"
    return _number(value, normalise_lang(lang), style, digits, signed)


def fmt_int(value: float | int | None, lang: str) -> str:
    """Whole number with the language's thousands separator; an en dash when missing."""
    return _format(value, lang, "decimal", 0, False)


def fmt_decimal(value: float | None, lang: str, digits: int = 2) -> str:
    """Decimal with a comma in French; an en dash when missing or not finite."""
    return _format(value, lang, "decimal", digits, False)


def fmt_percent(value: float | None, lang: str, digits: int = 1) -> str:
    """A share (0.125) as a percentage: ``12,5 %`` / ``12.5%``."""
    return _format(value, lang, "percent", digits, False)


def fmt_signed_percent(value: float | None, lang: str, digits: int = 1) -> str:
    """Relative change such as ``+12,5 %`` (French) or ``+12.5%`` (English); no sign on 0."""
    return _format(value, lang, "percent", digits, True)


def fmt_signed_decimal(value: float | None, lang: str, digits: int = 2) -> str:
    """Absolute change of an index, with an explicit sign (none on 0)."""
    return _format(value, lang, "decimal", digits, True)


@lru_cache(maxsize=1024)
def month_label(month: str, lang: str) -> str:
    """``2023-01`` → ``janvier 2023`` / ``January 2023``: CLDR's month-and-year pattern."""
    year, number = month.split("-")
    locale = _locale(normalise_lang(lang))
    return format_skeleton("yMMMM", date(int(year), int(number), 1), locale=locale)


def fmt_day(moment: datetime, lang: str) -> str:
    """A day as a sentence writes it: ``2 décembre 2026`` / ``2 December 2026`` (CLDR long)."""
    return format_date(moment.date(), format="long", locale=_locale(normalise_lang(lang)))


def status_label(status: str, lang: str) -> str:
    return t(f"status_{status}", lang)


def fmt_index(
    value: float | None, status: str, lang: str, digits: int = 2, labels: str = "status"
) -> str:
    """The tension index, or the label of its status when it has no finite value: an index
    with no trainings behind it is infinite, and the page names the reason instead of a number.
    ``labels`` picks the wording (``sum_status`` for the summary's sentences)."""
    if value is not None and math.isfinite(value):
        return fmt_decimal(value, lang, digits)
    return t(f"{labels}_{status}", lang)
