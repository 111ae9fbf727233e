using System.Globalization;

namespace ViralForge.Core.Publishing;

/// <summary>
/// A channel's publishing slots in its own time zone: rules separated by ';' or new lines, each a
/// day set and one or more times — "daily 18:00", "Mon,Wed,Fri 12:30", "weekdays 09:00 17:30",
/// "weekends 10:00". Local times are turned into instants with the zone's rules of that very day, so
/// a slot stays at 18:00 local across DST changes; a time skipped by a spring-forward moves to the
/// first minute after the gap, and a time repeated at fall-back is taken the first time.
/// </summary>
public sealed class SlotSchedule
{
    private static readonly Dictionary<string, DayOfWeek[]> DayWords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["daily"] = Enum.GetValues<DayOfWeek>(),
        ["everyday"] = Enum.GetValues<DayOfWeek>(),
        ["weekdays"] = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
        ["weekends"] = [DayOfWeek.Saturday, DayOfWeek.Sunday],
        ["mon"] = [DayOfWeek.Monday], ["tue"] = [DayOfWeek.Tuesday], ["wed"] = [DayOfWeek.Wednesday],
        ["thu"] = [DayOfWeek.Thursday], ["fri"] = [DayOfWeek.Friday], ["sat"] = [DayOfWeek.Saturday], ["sun"] = [DayOfWeek.Sunday],
    };

    private readonly List<(HashSet<DayOfWeek> Days, TimeOnly Time)> _rules;

    private SlotSchedule(TimeZoneInfo zone, List<(HashSet<DayOfWeek>, TimeOnly)> rules)
    {
        Zone = zone;
        _rules = rules;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>No slots: publish as soon as the video is approved (within the daily cap).</summary>
    public bool IsAnyTime => _rules.Count == 0;

    public static SlotSchedule Parse(string? text, string timeZone)
    {
        if (!TryParse(text, timeZone, out var schedule, out var error))
        {
            throw new FormatException(error);
        }
        return schedule;
    }

    public static bool TryParse(string? text, string timeZone, out SlotSchedule schedule, out string error)
    {
        schedule = default!;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone.Trim(), out var zone))
        {
            error = $"“{timeZone}” is not a time zone this machine knows; use an IANA name such as Europe/Berlin or America/New_York.";
            return false;
        }
        var rules = new List<(HashSet<DayOfWeek>, TimeOnly)>();
        foreach (var raw in (text ?? "").Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
            {
                error = $"“{raw}” needs days and a time, like “daily 18:00” or “Mon,Wed,Fri 12:30”.";
                return false;
            }
            var days = new HashSet<DayOfWeek>();
            foreach (var word in parts[0].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var key = word.Length > 3 && !DayWords.ContainsKey(word) ? word[..3] : word;
                if (!DayWords.TryGetValue(key, out var found))
                {
                    error = $"“{word}” in “{raw}” is not a day: use daily, weekdays, weekends or Mon…Sun.";
                    return false;
                }
                days.UnionWith(found);
            }
            foreach (var t in parts[1..])
            {
                if (!TimeOnly.TryParseExact(t, ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
                {
                    error = $"“{t}” in “{raw}” is not a time of day (24-hour, like 18:00).";
                    return false;
                }
                rules.Add((days, time));
            }
        }
        schedule = new SlotSchedule(zone, rules);
        error = "";
        return true;
    }

    /// <summary>Slot instants strictly after <paramref name="after"/>, in order, for up to <paramref name="days"/> local days.</summary>
    public IEnumerable<DateTimeOffset> SlotsAfter(DateTimeOffset after, int days = 60)
    {
        var localStart = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(after, Zone).DateTime);
        for (var d = 0; d < days; d++)
        {
            var date = localStart.AddDays(d);
            var today = _rules.Where(r => r.Days.Contains(date.DayOfWeek)).Select(r => ToInstant(date, r.Time)).Distinct().Order();
            foreach (var slot in today)
            {
                if (slot > after)
                {
                    yield return slot;
                }
            }
        }
    }

    /// <summary>The local calendar day an instant falls on in the channel's zone (the daily cap counts per day).</summary>
    public DateOnly LocalDay(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    /// <summary>The first instant of a local day.</summary>
    public DateTimeOffset StartOf(DateOnly day) => ToInstant(day, TimeOnly.MinValue);

    public DateTimeOffset ToInstant(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        // Skipped by a spring-forward: move on minute by minute to the first time that exists.
        while (Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        // Repeated at fall-back: the first occurrence has the larger (daylight) offset.
        var offset = Zone.IsAmbiguousTime(local) ? Zone.GetAmbiguousTimeOffsets(local).Max() : Zone.GetUtcOffset(local);
        // Stored and compared in UTC (PostgreSQL's timestamptz takes offset 0 only).
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
