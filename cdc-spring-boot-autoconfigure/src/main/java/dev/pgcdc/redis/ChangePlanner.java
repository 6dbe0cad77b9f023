package dev.pgcdc.redis;

import java.util.List;

import dev.pgcdc.event.ChangeEvent;
import dev.pgcdc.event.TableId;

/**
 * Turns a change into the Redis commands that apply it: one planner per kind of sink (streams,
 * command templates).
 *
 * @author pgcdc
 */
interface ChangePlanner {

	/**
	 * Return whether changes of this table produce commands at all, so that other tables' changes are
	 * never buffered.
	 * @param table the table
	 * @return whether the planner handles the table
	 */
	boolean handles(TableId table);

	/**
	 * Append the commands for one change; none for a table the planner does not {@link #handles handle}.
	 * @param event the change
	 * @param commands where to append
	 */
	void plan(ChangeEvent event, List<RedisCommand> commands);

}
