package io.concord.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test that needs PostgreSQL or MariaDB (tag {@code database}). {@code mvn -Pfast test}
 * leaves these out. Fixtures come from {@link TestDatabase#create(DatabaseKind)}.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("database")
public @interface DatabaseTest {}
