using System.Globalization;
using System.Text.Json;
using QpActors.Domain;
using QpActors.Domain.Events;

namespace QpActors.Bench;

/// <summary>
/// A typical child's first two years as wire JSON, the way frontline apps post it: birth first, then
/// reviews, immunisations, a missed appointment, an A&amp;E visit, centre registration and sessions, a
/// concern and a referral. Step <c>r</c> of child <c>i</c> is a pure function of (run, i, r), so callers
/// can draw events from a shared counter in any order. Steps past the script are further sessions.
/// </summary>
/// <remarks>Every third child is the younger sibling of the one before, so families have one or two children.</remarks>
public sealed class ChildScripts(string runTag, DateTimeOffset asOf, string wardCode = "queens-park")
{
    /// <summary>Events in one child's scripted history (the "typical history" of the memory target).</summary>
    public const int Length = 18;

    private const string HealthVisiting = "service:health-visiting";
    private const string Midwifery = "service:midwifery";
    private const string Centre = "service:childrens-centre";
    private const string Playgroup = "service:sounds-like-fun";

    public string RunTag { get; } = runTag;

    public string ChildId(int child) => $"{RunTag}-c{child}";

    public string FamilyId(int child) => $"{RunTag}-f{(child % 3 == 2 ? child - 1 : child)}";

    /// <summary>Families among the first <paramref name="children"/> children.</summary>
    public static int FamiliesFor(int children) => children - children / 3;

    public IEnumerable<int> FamilyHeads(int children) => Enumerable.Range(0, children).Where(c => c % 3 != 2);

    /// <summary>Between 800 and 1,700 days old at the as-of date: every mandated review's window has closed.</summary>
    public DateOnly DateOfBirth(int child) => DateOnly.FromDateTime(asOf.UtcDateTime).AddDays(-(800 + (child * 7919 % 900)));

    /// <summary>Step <paramref name="step"/> of child <paramref name="child"/>: its wire JSON and the recorder the token would name.</summary>
    public (string Json, string RecordedBy) Wire(int child, long step)
    {
        var dob = DateOfBirth(child);
        var at = new DateTimeOffset(dob.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);
        string Event(string type, string recorder, int day, string data, out string by, int second = 0)
        {
            by = recorder;
            var occurred = at.AddDays(day).AddSeconds(second);
            if (occurred > asOf.AddHours(-1))
            {
                occurred = asOf.AddHours(-1);
            }

            return string.Create(CultureInfo.InvariantCulture,
                $"{{\"eventId\":\"{ChildId(child)}-e{step}\",\"type\":\"{type}\",\"occurredAt\":\"{occurred:yyyy-MM-ddTHH:mm:ssZ}\",\"familyId\":\"{FamilyId(child)}\",\"childId\":\"{ChildId(child)}\",\"data\":{data}}}");
        }

        string by;
        var json = step switch
        {
            0 => Event("birth-notified", Midwifery, 0, $"{{\"dateOfBirth\":\"{dob:yyyy-MM-dd}\",\"wardCode\":\"{wardCode}\"}}", out by),
            1 => Event("review-completed", HealthVisiting, 12, "{\"review\":\"new-birth\"}", out by),
            2 => Event("review-completed", HealthVisiting, 49, "{\"review\":\"6-8-week\"}", out by),
            3 => Event("immunisation-given", HealthVisiting, 56, "{\"vaccine\":\"6-in-1\"}", out by),
            4 => Event("centre-registered", Centre, 60, "{}", out by),
            5 => Event("session-attended", Playgroup, 90, "{\"session\":\"sounds-like-fun\"}", out by),
            6 => Event("appointment-missed", HealthVisiting, 200, "{\"service\":\"health-visiting\"}", out by),
            7 => Event("ae-attendance", HealthVisiting, 240, "{}", out by),
            8 => Event("review-completed", HealthVisiting, 330, "{\"review\":\"1-year\"}", out by),
            9 => Event("immunisation-given", HealthVisiting, 370, "{\"vaccine\":\"mmr\"}", out by),
            10 => Event("session-attended", Playgroup, 400, "{\"session\":\"sounds-like-fun\"}", out by),
            11 => Event("immunisation-missed", HealthVisiting, 420, "{\"vaccine\":\"mmr-booster\"}", out by),
            12 => Event("concern-raised", HealthVisiting, 430, "{\"concern\":\"maternal-mental-health\"}", out by),
            13 => Event("referral-made", HealthVisiting, 431, $"{{\"referralId\":\"{ChildId(child)}-r1\",\"from\":\"health-visiting\",\"to\":\"childrens-centre\"}}", out by),
            14 => Event("referral-accepted", Centre, 440, $"{{\"referralId\":\"{ChildId(child)}-r1\",\"from\":\"health-visiting\",\"to\":\"childrens-centre\"}}", out by),
            15 => Event("session-attended", Playgroup, 500, "{\"session\":\"sounds-like-fun\"}", out by),
            16 => Event("review-completed", HealthVisiting, 760, "{\"review\":\"2-year\",\"asq3\":{\"communication\":45,\"grossMotor\":50,\"fineMotor\":40,\"problemSolving\":45,\"personalSocial\":50}}", out by),
            17 => Event("concern-resolved", HealthVisiting, 770, "{\"concern\":\"maternal-mental-health\"}", out by),
            _ => Event("session-attended", Playgroup, 780, "{\"session\":\"sounds-like-fun\"}", out by, second: (int)Math.Min(step, 5_000_000)),
        };
        return (json, by);
    }

    /// <summary>
    /// Step <paramref name="step"/> past the script (a further session) without parsing: <paramref name="firstFurther"/>
    /// (step <see cref="Length"/>, parsed) with the step's id and instant, equal to what <see cref="Parse"/> gives, so
    /// callers in a long run spend no CPU validating wire JSON, which is the gateway's cost, not the grains'.
    /// </summary>
    public ContactEvent Further(ContactEvent firstFurther, long step, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(firstFurther);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, Length);
        var shift = Math.Min(step, 5_000_000) - Length;
        var occurred = firstFurther.OccurredAt.AddSeconds(shift);
        if (occurred > asOf.AddHours(-1))
        {
            occurred = asOf.AddHours(-1);
        }

        var eventId = string.Concat(firstFurther.EventId.AsSpan(0, firstFurther.EventId.LastIndexOf("-e", StringComparison.Ordinal)), "-e", step.ToString(CultureInfo.InvariantCulture));
        return firstFurther with { EventId = eventId, OccurredAt = occurred, ReceivedAt = receivedAt };
    }

    /// <summary>Validates and builds step <paramref name="step"/> of child <paramref name="child"/> as the gateway would.</summary>
    public ContactEvent Parse(int child, long step, DateTimeOffset receivedAt)
    {
        var (json, recordedBy) = Wire(child, step);
        using var document = JsonDocument.Parse(json);
        var result = EventCatalogue.Parse(document.RootElement, recordedBy, receivedAt, ProgrammeCalendar.QueensPark);
        return result.Event ?? throw new InvalidOperationException(
            $"benchmark event {json} was rejected: " + string.Join("; ", result.Errors.Select(e => e.Field + ": " + e.Message)));
    }
}
