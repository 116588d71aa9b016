using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Domain;
using QpActors.Figures.CostBenefit;
using QpActors.Figures.Indicators;
using QpActors.Figures.Publishing;
using QpActors.Figures.Reach;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// Builds raw figures documents (key names as the commission's clients expect them) from the contributions a ward
/// holds, and an area's from its wards' documents. Raw: counts are exact and must leave the system only through
/// <see cref="FiguresPublisher"/>. Pure apart from the configuration it is given, the programme's calendar among it.
/// </summary>
public sealed class WardFiguresBuilder(ServiceCatalogue catalogue, CostBenefitAssumptions assumptions, ProgrammeCalendar calendar)
{
    public const string Month = "month";
    public const string Quarter = "quarter";
    public const string Rolling12Months = "rolling-12-months";

    public static readonly IReadOnlyList<string> Levels = ["universal", "universal-plus", "universal-partnership-plus"];

    public static readonly IReadOnlyList<string> Reviews = ["antenatal", "new-birth", "6-8-week", "1-year", "2-year"];

    public static readonly IReadOnlyList<string> Concerns = ["maternal-mental-health", "domestic-abuse", "substance-use", "housing", "safeguarding"];

    private const string NotSet = "not-set";

    private const string YearNote =
        "'Last 12 months' figures (see last12Months) cover the calendar month of asOf up to asOf and the eleven whole months " +
        "before it: contacts and missed appointments are tallied per calendar month, so no figure claims a year starting mid-month.";

    /// <summary>The figures that cover <see cref="ReportingPeriod.Last12Months"/> (the query's period covers the indicators).</summary>
    private static readonly string[] YearFigures =
    [
        "reach.seen12Months", "caseload.*.activeChildren", "caseload.*.activeFamilies", "caseload.*.contactsLast12Months",
        "caseload.*.missedAppointments", "unitCost.byService.*.childrenReached",
    ];

    private readonly ConcurrentDictionary<string, JsonObject> _savings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (SavingsProjection Whole, IReadOnlyDictionary<string, decimal> NeedWeights)> _projections = new(StringComparer.Ordinal);

    public ServiceCatalogue Catalogue => catalogue;

    /// <summary>Whose days "today", a month and a quarter are.</summary>
    public ProgrammeCalendar Calendar => calendar;

    public WardServices? Ward(string wardCode) => catalogue.Areas.SelectMany(a => a.Wards).FirstOrDefault(w => w.Id == wardCode);

    public AreaServices? Area(string areaId) => catalogue.Areas.FirstOrDefault(a => a.Id == areaId);

    public AreaServices? AreaOfWard(string wardCode) => catalogue.Areas.FirstOrDefault(a => a.Wards.Any(w => w.Id == wardCode));

    /// <summary>
    /// The <c>takenAt</c> a kept month is published with: the programme's midnight that ended it, the same for every ward.
    /// </summary>
    /// <remarks>
    /// A ward keeps a month at its first check after the month ends, and its checks run only while it is active: one idle
    /// over the month's end keeps it a minute after something wakes it, a contribution arriving or a read. The instant it
    /// was kept would time that, the ward's first change of the month, which its rounded counts may hide. Its counts are
    /// as of the month's last day (<c>asOf</c>) whenever it was kept.
    /// </remarks>
    public DateTimeOffset MonthEnded(string month)
    {
        ArgumentNullException.ThrowIfNull(month);
        var first = DateOnly.ParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return calendar.StartOf(first.AddMonths(1));
    }

    /// <summary>The reporting period a query names, ending at (containing) <paramref name="asOf"/>.</summary>
    /// <exception cref="FiguresQueryException">Unknown period name.</exception>
    public static ReportingPeriod PeriodOf(string name, DateOnly asOf) => name switch
    {
        Month => ReportingPeriod.Month(asOf.Year, asOf.Month),
        Quarter => ReportingPeriod.Quarter(asOf.Month >= 4 ? asOf.Year : asOf.Year - 1, ((asOf.Month + 8) % 12 / 3) + 1),
        // Wire name kept for clients; the span is the same twelve calendar months as every other year figure.
        Rolling12Months => ReportingPeriod.Last12Months(asOf),
        _ => throw new FiguresQueryException($"Unknown period '{name}': use {Month}, {Quarter} or {Rolling12Months}.") { Field = "period" },
    };

    /// <summary>Checks a query before any work is done, so a client error surfaces as one.</summary>
    /// <exception cref="FiguresQueryException">Unknown period or scenario.</exception>
    /// <exception cref="CostBenefitOverridesException">The query's overrides cannot be applied (every wrong field listed).</exception>
    /// <remarks>
    /// Every wrong field is found before any is reported, so a query with a wrong period or scenario and wrong overrides is
    /// answered once, naming them all (<see cref="CostBenefitOverridesException"/> when there are several).
    /// </remarks>
    public void Validate(FiguresQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var problems = new List<FieldProblem>();
        try
        {
            _ = PeriodOf(query.Period, new DateOnly(2000, 1, 1));
        }
        catch (FiguresQueryException ex)
        {
            problems.Add(new FieldProblem(ex.Field, ex.Message));
        }

        problems.AddRange(WhatIfProblems(query.Scenario, query.Overrides));
        if (problems.Count == 1 && problems[0].Field is "period" or "scenario")
        {
            throw new FiguresQueryException(problems[0].Message) { Field = problems[0].Field };
        }

        if (problems.Count > 0)
        {
            throw Invalid([.. problems]);
        }
    }

    /// <summary>
    /// What is wrong with a scenario and the overrides posted on top of it, every field named (none: they can be used). An
    /// unknown scenario's overrides are checked against the assumptions without a scenario, so they are named in the same
    /// answer rather than after the scenario is mended.
    /// </summary>
    public IReadOnlyList<FieldProblem> WhatIfProblems(string scenario, string? overrides)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var problems = new List<FieldProblem>();
        var known = assumptions.Scenarios.ContainsKey(scenario);
        if (!known)
        {
            problems.Add(new FieldProblem("scenario", $"Unknown scenario '{scenario}'; known: {string.Join(", ", assumptions.Scenarios.Keys)}."));
        }

        if (overrides is not null)
        {
            try
            {
                if (known)
                {
                    _ = WhatIf(scenario, overrides);
                }
                else
                {
                    // The fields alone: whether the money stays in range depends on the scenario the caller meant.
                    using var posted = JsonDocument.Parse(overrides);
                    _ = assumptions.WithOverrides(posted.RootElement);
                }
            }
            catch (CostBenefitOverridesException ex)
            {
                problems.AddRange(ex.Errors);
            }
            catch (JsonException)
            {
                problems.Add(new FieldProblem("overrides", "must be a JSON object"));
            }
            catch (CostBenefitValidationException ex)
            {
                problems.AddRange(ex.Errors.Select(e => new FieldProblem(e.Field.Length == 0 ? "overrides" : "overrides." + e.Field, e.Message)));
            }
            catch (OverflowException)
            {
                problems.AddRange(TooLarge().Errors);
            }
        }

        return problems;
    }

    /// <summary>The ward's raw figures document.</summary>
    public JsonObject BuildWard(
        string wardCode,
        IReadOnlyCollection<ChildContribution> children,
        IReadOnlyCollection<FamilyContribution> families,
        IReadOnlyCollection<ChampionContribution> champions,
        FiguresQuery query,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(children);
        ArgumentNullException.ThrowIfNull(families);
        ArgumentNullException.ThrowIfNull(champions);
        ArgumentNullException.ThrowIfNull(query);
        var today = calendar.DayOf(now);
        var asOf = query.AsOf ?? today;
        var period = PeriodOf(query.Period, asOf);
        var ward = Ward(wardCode);
        var notes = new JsonArray();
        var reach = ReachCalculator.Compute(children.Select(c => new ReachInput(c.ChildId, c.KnownFromBirthRecord, c.RegisteredOn, c.LastSeenOn, c.DateOfBirth)), asOf);
        var year = ReportingPeriod.Last12Months(asOf);
        var caseload = Caseload(ward, children, asOf, year);
        var document = new JsonObject
        {
            ["wardCode"] = wardCode,
            ["name"] = ward?.Name,
            ["configured"] = ward is not null,
            ["asOf"] = FiguresLayout.Day(asOf),
            ["generatedAt"] = now,
            ["period"] = PeriodNode(query.Period, period),
            ["last12Months"] = YearNode(year),
            ["synthetic"] = children.Any(c => c.Synthetic) || families.Any(f => f.Synthetic),
            ["published"] = false,
            ["reach"] = new JsonObject
            {
                ["known"] = reach.Known,
                ["registered"] = reach.Registered,
                ["seen12Months"] = reach.Seen12Months,
                ["reached"] = reach.Reached,
                ["unreached"] = reach.Unreached,
                ["reachedOutsideBirthRecords"] = reach.ReachedOutsideBirthRecords,
            },
            ["caseload"] = caseload,
            ["indicators"] = Indicators(children, period),
            ["need"] = Need(children, families),
            ["champions"] = Champions(families, champions, notes),
            ["unitCost"] = UnitCostNode(ward, caseload, reach.TotalReached),
            // A ward's savings are its share of its area's projection, which depends on the other wards' reach and need:
            // ShareSavings fills them in once the area's documents are together (ward and area grains do).
            ["savings"] = null,
            ["suppressed"] = new JsonArray(),
            ["notes"] = notes,
        };
        if (ward is null)
        {
            notes.Add($"Ward '{wardCode}' is not in {catalogue.Version}: no budgets or capacities, so no unit cost and no share of an area's projected savings.");
        }

        notes.Add(YearNote);
        if (asOf < today)
        {
            notes.Add("Reach, caseload and indicators are as of asOf; need and champions describe the ward today.");
            if (asOf.AddDays(1).Month == asOf.Month)
            {
                notes.Add("asOf is not the last day of its month: contacts and missed appointments in asOf's month count the whole month, as they are tallied per month.");
            }

            if (MonthKey(year.Start).CompareTo(MonthKey(today.AddMonths(-12))) < 0)
            {
                notes.Add("Contacts and missed appointments are kept for 13 months back from today: months of the last 12 months before that count none.");
            }
        }

        if (children.SelectMany(c => c.Services).Any(t => t.MissedByMonth is null && t.MissedAppointments > 0))
        {
            notes.Add("Some missed appointments are counted over the child's whole record rather than the last 12 months.");
        }

        return FiguresLayout.Derive(document);
    }

    /// <summary>
    /// The area's raw figures: its wards' counts summed, derived figures recomputed from the sums, and the whole projection
    /// of savings for <paramref name="scenario"/> (the area is what the default assumptions are calibrated to).
    /// </summary>
    /// <param name="overrides">A what-if on top of the scenario (see <see cref="FiguresQuery.Overrides"/>), or null.</param>
    public JsonObject BuildArea(AreaServices area, IReadOnlyList<JsonObject> wardDocuments, string scenario, string? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(area);
        var document = FiguresLayout.SumWards(area.Id, wardDocuments);
        document["name"] = area.Name;
        document["savings"] = Savings(scenario, overrides).DeepClone();
        // In one order whichever wards carry them: in the order of the wards that do, a note moved when the first ward
        // stopped carrying it, changing the area's document with no figure changed.
        document["notes"] = new JsonArray(wardDocuments
            .SelectMany(w => w["notes"] is JsonArray n ? n.Select(x => x!.GetValue<string>()) : [])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(n => (JsonNode?)n)
            .ToArray());
        return FiguresLayout.Derive(document);
    }

    /// <summary>
    /// The cost-benefit projection for a scenario (computed once per scenario: the assumptions are immutable), or for a
    /// what-if on top of it (computed each time: overrides are the caller's, and keeping them would let callers fill memory).
    /// </summary>
    /// <exception cref="FiguresQueryException">No scenario of that name.</exception>
    /// <exception cref="CostBenefitOverridesException">The overrides cannot be applied (every wrong field listed).</exception>
    public JsonObject Savings(string scenario, string? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (!assumptions.Scenarios.ContainsKey(scenario))
        {
            throw new FiguresQueryException(
                $"Unknown scenario '{scenario}'; known: {string.Join(", ", assumptions.Scenarios.Keys)}.")
            { Field = "scenario" };
        }

        return overrides is null
            ? _savings.GetOrAdd(scenario, s => SavingsNode(Projection(s, null).Whole))
            : SavingsNode(Projection(scenario, overrides).Whole);
    }

    /// <summary>
    /// Sets each ward document's <c>savings</c> to its share of the area's projection for <paramref name="scenario"/>
    /// (see the <c>wardShares</c> notes in the cost-benefit file): benefits by children reached weighted by need, costs by
    /// configured budget. The benefit weights come from the counts as the commission sees them
    /// (<see cref="FiguresPublisher.SavingsShares"/>), so a published share gives no hidden or unrounded count away.
    /// Documents of wards outside <paramref name="area"/> are left alone. Works on raw documents; every ward of the area
    /// should be present, or the present ones share the whole.
    /// </summary>
    /// <remarks>
    /// A what-if (<paramref name="overrides"/>) changes the whole projection and may change the need weights, never the
    /// counts: the shares still come from the published counts, so no unit cost, weight or scale can turn a ward's money
    /// into a hidden count.
    /// </remarks>
    /// <exception cref="FiguresQueryException">No scenario of that name.</exception>
    /// <exception cref="CostBenefitOverridesException">The overrides cannot be applied (every wrong field listed).</exception>
    public void ShareSavings(AreaServices area, IReadOnlyList<JsonObject> wardDocuments, string scenario, string? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(area);
        ArgumentNullException.ThrowIfNull(wardDocuments);
        _ = Savings(scenario);
        var (whole, needWeights) = Projection(scenario, overrides);
        var wards = wardDocuments
            .Select(d => (Document: d, Ward: area.Wards.FirstOrDefault(w => w.Id == d["wardCode"]?.GetValue<string>())))
            .Where(x => x.Ward is not null)
            .Select(x => (x.Document, Ward: x.Ward!))
            .ToList();
        IReadOnlyDictionary<string, SavingsShareBasis> bases;
        try
        {
            bases = FiguresPublisher.SavingsShares(wards.Select(w => w.Document).ToList(), needWeights);
        }
        catch (InvalidOperationException)
        {
            // Counts that do not add up cannot be published, and neither can a share worked out from them.
            wards.ForEach(w => w.Document["savings"] = null);
            return;
        }

        var budgets = wards.Sum(w => w.Ward.AnnualBudget);
        var weights = wards.Sum(w => bases[w.Ward.Id].Weight);
        foreach (var (document, ward) in wards)
        {
            var basis = bases[ward.Id];
            var costShare = budgets > 0 ? ward.AnnualBudget / budgets : 1m / wards.Count;
            var benefitShare = weights > 0 ? basis.Weight / weights : costShare;
            var node = SavingsNode(Allocate(whole, benefitShare, costShare));
            node["share"] = new JsonObject
            {
                ["benefits"] = Math.Round(benefitShare, 6),
                ["costs"] = Math.Round(costShare, 6),
                ["childrenReached"] = basis.ChildrenReached,
                ["needIndex"] = Math.Round(basis.NeedIndex, SavingsShareBasis.NeedIndexDecimals),
                ["needWeights"] = new JsonObject(needWeights.Select(w => KeyValuePair.Create(w.Key, (JsonNode?)w.Value))),
                ["basis"] = weights > 0
                    ? "benefits: children reached x average need weight, over the area's wards, from the published counts (a hidden count " +
                      "taken as an equal part of what its published total leaves); costs: share of the area's service budgets"
                    : "no child reached in the area's published counts: benefits shared like costs, by service budget",
            };
            document["savings"] = node;
        }
    }

    private (SavingsProjection Whole, IReadOnlyDictionary<string, decimal> NeedWeights) Projection(string scenario, string? overrides) =>
        overrides is null
            ? _projections.GetOrAdd(scenario, s => (
                CostBenefitModel.Project(assumptions, s),
                assumptions.ForScenario(s).WardShares?.NeedWeights ?? new Dictionary<string, decimal>(StringComparer.Ordinal)))
            : WhatIf(scenario, overrides);

    /// <summary>The projection with posted overrides on top of a scenario; a problem with them is the caller's, listed by field.</summary>
    private (SavingsProjection Whole, IReadOnlyDictionary<string, decimal> NeedWeights) WhatIf(string scenario, string overrides)
    {
        const string Root = "overrides";
        try
        {
            using var posted = JsonDocument.Parse(overrides);
            var projection = CostBenefitModel.Project(assumptions, scenario, posted.RootElement);
            var applied = assumptions.ForScenario(scenario).WithOverrides(posted.RootElement);
            return (projection, applied.WardShares?.NeedWeights ?? new Dictionary<string, decimal>(StringComparer.Ordinal));
        }
        catch (JsonException)
        {
            throw Invalid(new FieldProblem(Root, "must be a JSON object"));
        }
        catch (CostBenefitValidationException ex)
        {
            throw Invalid(ex.Errors.Select(e => new FieldProblem(e.Field.Length == 0 ? Root : $"{Root}.{e.Field}", e.Message)).ToArray());
        }
        catch (OverflowException)
        {
            throw TooLarge();
        }
    }

    /// <summary>A ward's part of the projection; only posted overrides can make one leave decimal's range (a ratio over a tiny cost).</summary>
    private static SavingsProjection Allocate(SavingsProjection whole, decimal benefitShare, decimal costShare)
    {
        try
        {
            return CostBenefitModel.Allocate(whole, benefitShare, costShare);
        }
        catch (OverflowException) when (whole.Overridden)
        {
            throw TooLarge();
        }
    }

    // Each value is valid alone, but units x unit cost x scale, summed, discounted or divided by a cost, leave decimal's range.
    private static CostBenefitOverridesException TooLarge() =>
        Invalid(new FieldProblem("overrides", "the values are too large to project: money or a ratio beyond 7.9 x 10^28"));

    private static CostBenefitOverridesException Invalid(params FieldProblem[] errors) =>
        new("Invalid cost-benefit overrides: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))) { Errors = errors };

    private static JsonObject PeriodNode(string name, ReportingPeriod period) => new()
    {
        ["name"] = name,
        ["start"] = FiguresLayout.Day(period.Start),
        ["end"] = FiguresLayout.Day(period.End),
        ["label"] = period.Label,
    };

    /// <summary>
    /// What the document's "12 months" figures count over, and why the span starts on the first of a month. The counts per
    /// month and the dates (last contact, last seen) are taken over the same months, so a child counted active was seen
    /// in the months whose contacts are summed.
    /// </summary>
    private static JsonObject YearNode(ReportingPeriod year) => new()
    {
        ["start"] = FiguresLayout.Day(year.Start),
        ["end"] = FiguresLayout.Day(year.End),
        ["label"] = year.Label,
        ["figures"] = new JsonArray(YearFigures.Select(f => (JsonNode?)f).ToArray()),
    };

    private static JsonObject Caseload(WardServices? ward, IReadOnlyCollection<ChildContribution> children, DateOnly asOf, ReportingPeriod year)
    {
        var thisMonth = MonthKey(asOf);

        // The same twelve months as the year's days: the month of asOf and the eleven before it.
        var months = Enumerable.Range(0, 12).Select(i => MonthKey(asOf.AddMonths(-i))).ToHashSet(StringComparer.Ordinal);
        IEnumerable<(string Id, string Name, int? Capacity, string? Unit)> services = ward is not null
            ? ward.Services.Select(s => (s.Id, s.Name, (int?)s.Capacity, (string?)s.CapacityUnit))
            : children.SelectMany(c => c.Services).Select(t => t.ServiceId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(id => (id, id, (int?)null, (string?)null));
        var caseload = new JsonObject();
        foreach (var (id, name, capacity, unit) in services)
        {
            int active = 0, contactsMonth = 0, contactsYear = 0, missed = 0, made = 0, takenUp = 0;
            var families = new HashSet<string>(StringComparer.Ordinal);
            foreach (var child in children)
            {
                foreach (var tally in child.Services.Where(t => t.ServiceId == id))
                {
                    if (year.Contains(tally.LastContact))
                    {
                        active++;
                        if (child.FamilyId is { } family)
                        {
                            families.Add(family);
                        }
                    }

                    contactsMonth += tally.ContactsByMonth.GetValueOrDefault(thisMonth);
                    contactsYear += tally.ContactsByMonth.Where(m => months.Contains(m.Key)).Sum(m => m.Value);
                    missed += tally.MissedByMonth is { } byMonth ? byMonth.Where(m => months.Contains(m.Key)).Sum(m => m.Value) : tally.MissedAppointments;
                    made += tally.ReferralsMade;
                    takenUp += tally.ReferralsTakenUp;
                }
            }

            var node = new JsonObject
            {
                ["name"] = name,
                ["activeChildren"] = active,
                ["activeFamilies"] = families.Count,
                ["contactsThisMonth"] = contactsMonth,
                ["contactsLast12Months"] = contactsYear,
                ["missedAppointments"] = missed,
                ["referralsMade"] = made,
                ["referralsTakenUp"] = takenUp,
            };
            if (capacity is not null)
            {
                node["capacity"] = capacity;
                node["capacityUnit"] = unit;
            }

            caseload[id] = node;
        }

        return caseload;
    }

    private static JsonObject Indicators(IReadOnlyCollection<ChildContribution> children, ReportingPeriod period)
    {
        // An entry written before entries carried the ASQ-3 review's date says only that some review used it: counted as
        // it was then, at the review's date, until the child writes its entry again.
        var inputs = children.Select(c => new ChildIndicatorInput(
            c.ChildId, c.ExpectedDueDate, c.DateOfBirth, c.AntenatalReviewOn, null,
            c.NewBirthVisitOn, c.SixToEightWeekReviewOn, c.OneYearReviewOn, c.TwoYearReviewOn,
            c.TwoYearReviewWithAsq3On ?? (c.TwoYearReviewUsedAsq3 ? c.TwoYearReviewOn : null),
            !c.NoAntenatalContactOwed));
        var node = new JsonObject();
        foreach (var (id, value) in IndicatorCalculator.Compute(inputs, period))
        {
            node[id] = new JsonObject { ["numerator"] = value.Numerator, ["denominator"] = value.Denominator };
        }

        return node;
    }

    private static JsonObject Need(IReadOnlyCollection<ChildContribution> children, IReadOnlyCollection<FamilyContribution> families)
    {
        var setLevelOf = families.ToDictionary(f => f.FamilyId, f => f.SetLevel ?? NotSet, StringComparer.Ordinal);
        var overdue = children.SelectMany(c => c.OverdueReviews).ToList();
        return new JsonObject
        {
            ["families"] = families.Count,
            ["familiesBySuggestedLevel"] = CountBy(families.Select(f => f.SuggestedLevel), Levels),
            ["familiesBySetLevel"] = CountBy(families.Select(f => f.SetLevel ?? NotSet), [.. Levels, NotSet]),
            ["children"] = children.Count,
            ["childrenBySuggestedLevel"] = CountBy(children.Select(c => c.SuggestedLevel), Levels),
            ["childrenBySetLevel"] = CountBy(children.Select(c => c.FamilyId is { } f && setLevelOf.TryGetValue(f, out var l) ? l : NotSet), [.. Levels, NotSet]),
            ["overdueReviews"] = new JsonObject
            {
                ["children"] = children.Count(c => c.OverdueReviews.Count > 0),
                ["reviews"] = overdue.Count,
                ["byReview"] = CountBy(overdue, Reviews),
            },
            ["openConcerns"] = CountBy(families.SelectMany(f => f.OpenConcerns.Distinct(StringComparer.Ordinal)), Concerns),
        };
    }

    private static JsonObject Champions(IReadOnlyCollection<FamilyContribution> families, IReadOnlyCollection<ChampionContribution> champions, JsonArray notes)
    {
        var satisfaction = new JsonObject();
        foreach (var service in families.SelectMany(f => f.Surveys).GroupBy(s => s.ServiceId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // The average is derived from the counts by score (FiguresLayout.Derive), so once published it moves only when a
            // published count does.
            var byScore = new JsonObject();
            for (var score = FiguresLayout.LowestScore; score <= FiguresLayout.HighestScore; score++)
            {
                byScore[score.ToString(CultureInfo.InvariantCulture)] = service.Count(s => s.Score == score);
            }

            satisfaction[service.Key] = new JsonObject { ["responses"] = service.Count(), ["average"] = null, ["byScore"] = byScore };
        }

        // Champions report what they did in each ward (outreach and surveys by the family's ward when recorded, drop-ins by
        // the champion's home ward); families' own counts stand in only where no champion has reported yet.
        // No note says that a champion some family names has not reported here: the family's entry comes with its event and
        // the champion's in its own write just after, in another of the feed's batches, so such a note came and went with
        // each champion's first contact in the ward between two reads, timing it. Reconciliation asks those champions.
        if (champions.Count == 0)
        {
            notes.Add("Drop-ins hosted come from champions' contributions, which no champion has reported in this ward yet.");
        }

        return new JsonObject
        {
            ["outreachContacts"] = champions.Count > 0 ? champions.Sum(c => c.OutreachContacts) : families.Sum(f => f.OutreachContacts),
            ["familiesSignposted"] = families.Count(f => f.SignpostedTo.Count > 0),
            ["signpostedThenReached"] = families.Count(f => f.SignpostedTo.Count > 0 && f.SignpostedThenReached),
            ["surveysCompleted"] = champions.Count > 0
                ? champions.Sum(c => c.SurveysRun)
                : families.Sum(f => f.SurveysCompleted ?? (f.Surveys.Count > 0 ? 1 : 0)),
            ["dropInsHosted"] = champions.Sum(c => c.DropInsHosted),
            ["satisfaction"] = satisfaction,
        };
    }

    private static JsonObject UnitCostNode(WardServices? ward, JsonObject caseload, int childrenReached)
    {
        var node = new JsonObject { ["childrenReached"] = childrenReached };
        var byService = new JsonObject();
        if (ward is not null)
        {
            node["annualBudget"] = ward.AnnualBudget;
            foreach (var service in ward.Services)
            {
                byService[service.Id] = new JsonObject
                {
                    ["annualBudget"] = service.AnnualBudget,
                    ["childrenReached"] = caseload[service.Id]!["activeChildren"]!.GetValue<int>(),
                };
            }
        }

        node["byService"] = byService;
        return node;
    }

    private static JsonObject SavingsNode(SavingsProjection projection) => new()
    {
        ["scenario"] = projection.Scenario,
        ["assumptionsVersion"] = projection.AssumptionsVersion,
        ["overridden"] = projection.Overridden,
        ["npv"] = Math.Round(projection.Npv, 0),
        ["roi"] = projection.Roi is { } roi ? Math.Round(roi, 4) : null,
        ["benefitCostRatio"] = projection.BenefitCostRatio is { } bcr ? Math.Round(bcr, 4) : null,
        ["paybackYear"] = projection.PaybackYear,
        ["byYear"] = new JsonArray(projection.ByYear.Select(y => (JsonNode?)new JsonObject
        {
            ["year"] = y.Year,
            ["fiscalSavingByAgency"] = new JsonObject(y.FiscalSavingByAgency.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)Math.Round(a.Value, 0)))),
            ["grossBenefit"] = Math.Round(y.GrossBenefit, 0),
            ["deadweight"] = Math.Round(y.Deadweight, 0),
            ["cost"] = Math.Round(y.OptimismBiasAdjustedCost, 0),
            ["netSaving"] = Math.Round(y.NetSaving, 0),
            ["presentValue"] = Math.Round(y.PresentValue, 0),
            ["cumulativeNpv"] = Math.Round(y.CumulativeNpv, 0),
        }).ToArray()),
    };

    /// <summary>Counts per key, every expected key present (0 when none) so sums over the keys equal the total.</summary>
    private static JsonObject CountBy(IEnumerable<string> values, IReadOnlyList<string> expected)
    {
        var counts = expected.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        foreach (var value in values)
        {
            counts[value] = counts.GetValueOrDefault(value) + 1;
        }

        return new JsonObject(counts.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value)));
    }

    private static string MonthKey(DateOnly day) => day.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
