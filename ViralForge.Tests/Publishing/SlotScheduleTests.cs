using ViralForge.Core.Publishing;

namespace ViralForge.Tests.Publishing;

public sealed class SlotScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Fact]
    public void A_daily_slot_stays_at_local_time_across_both_DST_changes()
    {
        var schedule = SlotSchedule.Parse("daily 18:00", "Europe/Berlin");
        // 2026-03-29 Berlin springs forward (UTC+1 → UTC+2); 2026-10-25 it falls back.
        var spring = schedule.SlotsAfter(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero)).Take(2).ToList();
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 17, 0, 0, TimeSpan.Zero), spring[0].ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 16, 0, 0, TimeSpan.Zero), spring[1].ToUniversalTime());
        var autumn = schedule.SlotsAfter(new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero)).Take(2).ToList();
        Assert.Equal(new DateTimeOffset(2026, 10, 24, 16, 0, 0, TimeSpan.Zero), autumn[0].ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 17, 0, 0, TimeSpan.Zero), autumn[1].ToUniversalTime());
        Assert.All(spring.Concat(autumn), s => Assert.Equal(18, TimeZoneInfo.ConvertTime(s, Berlin).Hour));
    }

    [Fact]
    public void A_slot_in_the_spring_gap_moves_past_it_and_a_repeated_time_is_taken_once()
    {
        var gap = SlotSchedule.Parse("Sun 02:30", "Europe/Berlin").SlotsAfter(new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero)).First();
        // 02:30 does not exist that night; the first minute after the gap is 03:00 CEST = 01:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), gap.ToUniversalTime());
        var repeated = SlotSchedule.Parse("Sun 02:30", "Europe/Berlin").SlotsAfter(new DateTimeOffset(2026, 10, 24, 0, 0, 0, TimeSpan.Zero)).Take(2).ToList();
        // 02:30 happens twice on 2026-10-25; the first (CEST, 00:30 UTC) is the slot, and only one slot that day.
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), repeated[0].ToUniversalTime());
        Assert.Equal(new DateOnly(2026, 11, 1), DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(repeated[1], Berlin).DateTime));
    }

    [Fact]
    public void Day_sets_and_several_times_are_read_and_bad_rules_are_explained()
    {
        var schedule = SlotSchedule.Parse("Mon,Wed,Fri 12:30; weekends 10:00 19:45", "America/New_York");
        // 2026-12-04 is a Friday.
        var slots = schedule.SlotsAfter(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero)).Take(5)
            .Select(s => TimeZoneInfo.ConvertTime(s, schedule.Zone).ToString("ddd HH:mm", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(["Fri 12:30", "Sat 10:00", "Sat 19:45", "Sun 10:00", "Sun 19:45"], slots);
        Assert.False(SlotSchedule.TryParse("daily 25:00", "UTC", out _, out var badTime));
        Assert.Contains("25:00", badTime);
        Assert.False(SlotSchedule.TryParse("someday 10:00", "UTC", out _, out var badDay));
        Assert.Contains("someday", badDay);
        Assert.False(SlotSchedule.TryParse("daily 10:00", "Mars/Olympus", out _, out var badZone));
        Assert.Contains("Mars/Olympus", badZone);
        Assert.True(SlotSchedule.Parse("", "UTC").IsAnyTime);
    }

    [Fact]
    public void The_planner_skips_taken_slots_and_full_days_and_refuses_the_past()
    {
        var schedule = SlotSchedule.Parse("daily 09:00 18:00", "Europe/Berlin");
        var now = new DateTimeOffset(2026, 12, 3, 6, 0, 0, TimeSpan.Zero); // 07:00 in Berlin
        var nine = new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);
        var six = new DateTimeOffset(2026, 12, 3, 17, 0, 0, TimeSpan.Zero);
        Assert.Equal(nine, SlotPlanner.Plan(schedule, 5, [], SlotChoice.Next, null, now, "c"));
        Assert.Equal(six, SlotPlanner.Plan(schedule, 5, [nine], SlotChoice.Next, null, now, "c"));
        // A cap of one a day: today is full after 09:00, so tomorrow 09:00.
        Assert.Equal(nine.AddDays(1), SlotPlanner.Plan(schedule, 1, [nine], SlotChoice.Next, null, now, "c"));
        Assert.Throws<PublishingException>(() => SlotPlanner.Plan(schedule, 1, [nine], SlotChoice.Now, null, now, "c"));
        Assert.Throws<PublishingException>(() => SlotPlanner.Plan(schedule, 5, [], SlotChoice.At, now.AddHours(-2), now, "c"));
        Assert.Equal(now, SlotPlanner.Plan(SlotSchedule.Parse("", "UTC"), 5, [], SlotChoice.Next, null, now, "c"));
    }
}
