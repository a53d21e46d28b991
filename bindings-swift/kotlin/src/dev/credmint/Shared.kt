// Token caches shared by many processes: the core's SharedRefresh steps
// answered with a TokenStore. Every key, value, expiry, wait and timeout is the
// core's; a store only gets, sets and deletes.
package dev.credmint

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout

/**
 * A store shared by the processes that should share tokens. Implement it over
 * your Redis client (`GET key`; `SET key value NX PX ttl` for [setIfAbsent];
 * `SET key value PX ttl`; and for [deleteIfEquals] the script
 * `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`),
 * or any store with atomic set-if-absent. Each call is abandoned after the
 * core's store timeout and then counts as the store being down: callers keep
 * their in-process cache and go on.
 */
interface TokenStore {
    /** The application's cache secret (32 random bytes or more), the same in every process sharing the store. */
    val secret: ByteArray

    /** The core's `SharedCacheOptions` as JSON (`{"lease_millis": 5000}`), or `null` for its defaults. */
    val optionsJson: String? get() = null

    /** The value at [key], or `null`. */
    suspend fun get(key: String): String?

    /** Stores [value] at [key] only if [key] is absent, expiring after [ttlMillis]; whether it stored. */
    suspend fun setIfAbsent(key: String, value: String, ttlMillis: Long): Boolean

    /** Stores [value] at [key], expiring after [ttlMillis]. */
    suspend fun set(key: String, value: String, ttlMillis: Long)

    /** Deletes [key] only if it holds [value]. */
    suspend fun deleteIfEquals(key: String, value: String)
}

/** Keys with expiry in this process's memory: for tests, and for credentials objects of one process sharing tokens. */
class MemoryTokenStore(override val secret: ByteArray, override val optionsJson: String? = null) : TokenStore {
    private val values = HashMap<String, Pair<String, Long>>()

    private fun live(key: String): String? {
        val found = values[key] ?: return null
        if (found.second <= System.currentTimeMillis()) {
            values.remove(key)
            return null
        }
        return found.first
    }

    override suspend fun get(key: String): String? = synchronized(values) { live(key) }

    override suspend fun setIfAbsent(key: String, value: String, ttlMillis: Long): Boolean = synchronized(values) {
        if (live(key) != null) return@synchronized false
        values[key] = value to System.currentTimeMillis() + ttlMillis
        true
    }

    override suspend fun set(key: String, value: String, ttlMillis: Long) {
        synchronized(values) { values[key] = value to System.currentTimeMillis() + ttlMillis }
    }

    override suspend fun deleteIfEquals(key: String, value: String) {
        synchronized(values) { if (live(key) == value) values.remove(key) }
    }

    override fun toString(): String = "MemoryTokenStore([redacted])"
}

/** One credential's shared cache (access tokens, or one audience's ID tokens). */
internal class SharedTokens(private val store: TokenStore, core: CoreCredentials, audience: String?) {
    private val cache = SharedCache(store.secret, core, audience, store.optionsJson)

    /** The store's key for the entry (tests). */
    val entryKey: String get() = cache.entryKey()

    /** A token and its refresh time, from the store or from [refresh] (the credential's own conversation). */
    suspend fun refresh(clock: Clock, current: Token?, refresh: suspend () -> Token): Pair<Token, Long> {
        val machine = cache.refresh(clock.now(), current)
        try {
            var failure: Throwable? = null
            while (true) {
                when (val step = machine.poll(clock.now())) {
                    is SharedStep.Done -> return step.entry.token to step.entry.refreshAt
                    is SharedStep.Failed -> throw checkNotNull(failure) { "a failed refresh without its error" }
                    is SharedStep.Wait -> delay(step.millis.toLong())
                    is SharedStep.Refresh -> try {
                        machine.feedToken(refresh())
                    } catch (cancelled: CancellationException) {
                        throw cancelled
                    } catch (failed: Throwable) {
                        failure = failed
                        machine.feedRefreshFailed()
                    }
                    is SharedStep.Get -> stored(machine, step.timeoutMillis, { store.get(step.key) }) { machine.feedValue(it) }
                    is SharedStep.SetIfAbsent -> stored(machine, step.timeoutMillis, {
                        store.setIfAbsent(step.key, step.value, step.ttlMillis.toLong())
                    }) { machine.feedSet(it) }
                    is SharedStep.Set -> stored(machine, step.timeoutMillis, {
                        store.set(step.key, step.value, step.ttlMillis.toLong())
                    }) { machine.feedOk() }
                    is SharedStep.DeleteIfEquals -> stored(machine, step.timeoutMillis, {
                        store.deleteIfEquals(step.key, step.value)
                    }) { machine.feedOk() }
                }
            }
        } finally {
            machine.close()
        }
    }

    /** One store call within the core's timeout; a failure or timeout is fed as the store being down. */
    private suspend fun <T> stored(machine: SharedRefresh, timeoutMillis: ULong, call: suspend () -> T, answer: (T) -> Unit) {
        val result = try {
            withTimeout(timeoutMillis.toLong()) { call() }
        } catch (late: TimeoutCancellationException) {
            machine.feedStoreError()
            return
        } catch (cancelled: CancellationException) {
            throw cancelled
        } catch (failed: Exception) {
            machine.feedStoreError() // the store's words are not repeated: they may quote what it was sent
            return
        }
        answer(result)
    }
}
