namespace ViralForge.Core.Publishing;

public enum SlotChoice
{
    /// <summary>The channel's next free slot (within its daily cap).</summary>
    Next,
    /// <summary>A time the reviewer chose.</summary>
    At,
    /// <summary>As soon as the video passes the publishing gate.</summary>
    Now,
}

/// <summary>Picks when a publication goes out on a channel: slots, one video per slot, a daily cap per local day.</summary>
public static class SlotPlanner
{
    private const int HorizonDays = 400;

    /// <param name="taken">When the channel's other live or pending publications go out.</param>
    public static DateTimeOffset Plan(SlotSchedule schedule, int dailyCap, IReadOnlyCollection<DateTimeOffset> taken,
        SlotChoice choice, DateTimeOffset? at, DateTimeOffset now, string channelName)
    {
        var perDay = taken.GroupBy(schedule.LocalDay).ToDictionary(g => g.Key, g => g.Count());
        bool DayHasRoom(DateTimeOffset instant) => perDay.GetValueOrDefault(schedule.LocalDay(instant)) < dailyCap;
        switch (choice)
        {
            case SlotChoice.Now:
            case SlotChoice.At:
                var when = (choice == SlotChoice.Now ? now : at ?? throw new PublishingException("Say when to publish.")).ToUniversalTime();
                if (when < now.AddMinutes(-1) && choice == SlotChoice.At)
                {
                    throw new PublishingException($"{when:u} is in the past; pick a later time or “now”.");
                }
                if (!DayHasRoom(when))
                {
                    throw new PublishingException($"“{channelName}” already has {dailyCap} publication(s) on {schedule.LocalDay(when):yyyy-MM-dd} (its daily cap); pick another day or the next free slot.");
                }
                return when;
            default:
                return NextFree(schedule, dailyCap, taken, now)
                    ?? throw new PublishingException($"“{channelName}” has no free slot in the next {HorizonDays} days; add slots or raise its daily cap.");
        }
    }

    /// <summary>The first slot after <paramref name="after"/> that is not taken and whose local day is under the cap.</summary>
    public static DateTimeOffset? NextFree(SlotSchedule schedule, int dailyCap, IReadOnlyCollection<DateTimeOffset> taken, DateTimeOffset after)
    {
        var perDay = taken.GroupBy(schedule.LocalDay).ToDictionary(g => g.Key, g => g.Count());
        if (schedule.IsAnyTime)
        {
            var day = schedule.LocalDay(after);
            var candidate = after;
            for (var i = 0; i < HorizonDays; i++)
            {
                if (perDay.GetValueOrDefault(day) < dailyCap)
                {
                    return candidate;
                }
                day = day.AddDays(1);
                candidate = schedule.StartOf(day);
            }
            return null;
        }
        var occupied = taken.ToHashSet();
        return schedule.SlotsAfter(after, HorizonDays)
            .Where(slot => !occupied.Contains(slot) && perDay.GetValueOrDefault(schedule.LocalDay(slot)) < dailyCap)
            .Select(slot => (DateTimeOffset?)slot)
            .FirstOrDefault();
    }
}

/// <summary>A publishing request that cannot be carried out as asked; the message says why and what to do.</summary>
public sealed class PublishingException(string message) : Exception(message);
