<?php
/**
 * Deleting the plugin removes what it stored: its one setting, and the notes it keeps for a
 * few minutes (what an administrator typed, the campaigns' states).
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

delete_option( 'undersigned_service_url' );
delete_transient( 'undersigned_typed_url' );
