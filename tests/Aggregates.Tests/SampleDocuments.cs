using System.Text.Json.Nodes;
using QpActors.Figures.Publishing;

namespace QpActors.Aggregates.Tests;

/// <summary>Raw ward documents with consistent counts (every declared sum holds), for the publisher's tests.</summary>
public sealed record SampleWard(
    string Code,
    int Reached = 600,
    int Unreached = 300,
    int Registered = 550,
    int Seen = 400,
    int Outside = 20,
    int HealthVisitingActive = 500,
    int CentreActive = 300,
    int C2Numerator = 40,
    int C2Denominator = 50,
    int C6iNumerator = 30,
    int C6iDenominator = 45,
    int C6iiNumerator = 25,
    int Universal = 200,
    int UniversalPlus = 30,
    int PartnershipPlus = 10,
    int ScoredOne = 0,
    int ScoredFour = 15,
    int ScoredFive = 10,
    decimal Budget = 132864m)
{
    public JsonObject Build()
    {
        var document = new JsonObject
        {
            ["wardCode"] = Code,
            ["asOf"] = "2026-05-31",
            ["period"] = new JsonObject { ["name"] = "month", ["start"] = "2026-05-01", ["end"] = "2026-05-31" },
            ["synthetic"] = false,
            ["published"] = false,
            ["reach"] = new JsonObject
            {
                ["known"] = Reached + Unreached,
                ["registered"] = Registered,
                ["seen12Months"] = Seen,
                ["reached"] = Reached,
                ["unreached"] = Unreached,
                ["reachedOutsideBirthRecords"] = Outside,
            },
            ["caseload"] = new JsonObject
            {
                ["health-visiting"] = Service(HealthVisitingActive, 1020),
                ["childrens-centre"] = Service(CentreActive, 1020),
            },
            ["indicators"] = new JsonObject
            {
                ["C2"] = Indicator(C2Numerator, C2Denominator),
                ["C3"] = Indicator(C2Denominator - C2Numerator, C2Denominator),
                ["C6i"] = Indicator(C6iNumerator, C6iDenominator),
                ["C6ii"] = Indicator(C6iiNumerator, C6iNumerator),
            },
            ["need"] = new JsonObject
            {
                ["families"] = Universal + UniversalPlus + PartnershipPlus,
                ["familiesBySuggestedLevel"] = Levels(Universal, UniversalPlus, PartnershipPlus),
                ["familiesBySetLevel"] = new JsonObject { ["universal"] = 0, ["universal-plus"] = 0, ["universal-partnership-plus"] = 0, ["not-set"] = Universal + UniversalPlus + PartnershipPlus },
                ["children"] = Reached + Unreached,
                ["childrenBySuggestedLevel"] = Levels(Reached + Unreached, 0, 0),
                ["childrenBySetLevel"] = new JsonObject { ["universal"] = 0, ["universal-plus"] = 0, ["universal-partnership-plus"] = 0, ["not-set"] = Reached + Unreached },
                ["overdueReviews"] = new JsonObject
                {
                    ["children"] = 20,
                    ["reviews"] = 25,
                    ["byReview"] = new JsonObject { ["new-birth"] = 10, ["1-year"] = 15 },
                },
                ["openConcerns"] = new JsonObject { ["housing"] = 12, ["domestic-abuse"] = 0 },
            },
            ["champions"] = new JsonObject
            {
                ["outreachContacts"] = 120,
                ["familiesSignposted"] = 60,
                ["signpostedThenReached"] = 30,
                ["surveysCompleted"] = 90,
                ["dropInsHosted"] = 48,
                ["satisfaction"] = new JsonObject
                {
                    ["childrens-centre"] = new JsonObject
                    {
                        ["responses"] = ScoredOne + ScoredFour + ScoredFive,
                        ["average"] = null,
                        ["byScore"] = new JsonObject { ["1"] = ScoredOne, ["2"] = 0, ["3"] = 0, ["4"] = ScoredFour, ["5"] = ScoredFive },
                    },
                },
            },
            ["unitCost"] = new JsonObject
            {
                ["annualBudget"] = Budget,
                ["childrenReached"] = Reached + Outside,
                ["byService"] = new JsonObject
                {
                    ["health-visiting"] = new JsonObject { ["annualBudget"] = 52000m, ["childrenReached"] = HealthVisitingActive },
                    ["childrens-centre"] = new JsonObject { ["annualBudget"] = 38864m, ["childrenReached"] = CentreActive },
                },
            },
            // As a ward's own document: its share of the area's savings is filled in with its neighbours'.
            ["savings"] = null,
            ["suppressed"] = new JsonArray(),
        };
        return FiguresLayout.Derive(document);
    }

    public string Json() => Build().ToJsonString(FiguresLayout.JsonOptions);

    private static JsonObject Service(int active, int capacity) => new()
    {
        ["activeChildren"] = active,
        ["activeFamilies"] = active / 2,
        ["contactsThisMonth"] = active / 4,
        ["contactsLast12Months"] = active * 3,
        ["missedAppointments"] = 40,
        ["referralsMade"] = 12,
        ["referralsTakenUp"] = 9,
        ["capacity"] = capacity,
    };

    private static JsonObject Indicator(int numerator, int denominator) => new() { ["numerator"] = numerator, ["denominator"] = denominator };

    private static JsonObject Levels(int universal, int plus, int partnership) => new()
    {
        ["universal"] = universal,
        ["universal-plus"] = plus,
        ["universal-partnership-plus"] = partnership,
    };
}
