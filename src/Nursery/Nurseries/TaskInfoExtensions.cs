namespace Structured;

/// <summary>Members of <see cref="TaskInfo"/> that belong to the nursery layer.</summary>
public static class TaskInfoExtensions
{
    extension(TaskInfo task)
    {
        /// <summary>The nursery the task runs in, or null for the main task and for code outside any task.</summary>
        public Nursery? Parent => (task as NurseryTask)?.Parent;
    }
}
