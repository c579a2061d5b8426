<?php
/**
 * Plugin Name:       Undersigned
 * Description:       Shows an Undersigned petition or sign-on letter form on your pages with a shortcode: [undersigned campaign="scrapsi445" source="your-code"].
 * Version:           0.1.0
 * Requires at least: 5.8
 * Requires PHP:      7.4
 * License:           MIT OR Apache-2.0
 * Text Domain:       undersigned
 *
 * WordPress removes <script> and <iframe> from posts written by anyone without the
 * unfiltered_html capability (on multisite, everyone but super-admins), so the paste-in
 * snippet does not survive there. This plugin writes the form's iframe itself, escaping every
 * attribute, and loads the service's embed.js, which sizes the frame to the form.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const UNDERSIGNED_OPTION = 'undersigned_service_url';

/**
 * The service's base address (scheme, host, port and any path, no trailing slash): the
 * shortcode's `url` if it is a usable http(s) address, else the settings page's; '' if neither.
 */
function undersigned_service_url( $override = '' ) {
	$url = undersigned_clean_url( $override );
	return '' !== $url ? $url : undersigned_clean_url( get_option( UNDERSIGNED_OPTION, '' ) );
}

/**
 * What an administrator pasted, reduced to the service's base: an address of one of the
 * service's own pages (embed.js, a form, the API) is cut back to the service it belongs to.
 */
function undersigned_service_base( $url ) {
	$url = trim( (string) $url );
	if ( preg_match( '#^(https?://[^/?\#]+(?:/[^?\#]*?)?)/(?:embed\.js|embed/|v1/|healthz|readyz|confirm/|withdraw/)#i', $url, $m ) ) {
		return $m[1];
	}
	return $url;
}

/** Why an address cannot be the service's, in words for the person who typed it; '' if it can. */
function undersigned_url_problem( $url ) {
	$parts = wp_parse_url( trim( (string) $url ) );
	if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] ) ) {
		return __( 'This is not a web address: it should look like https://sign.example.org.', 'undersigned' );
	}
	if ( ! in_array( strtolower( $parts['scheme'] ), array( 'https', 'http' ), true ) ) {
		return __( 'The service address must start with https:// (or http://).', 'undersigned' );
	}
	if ( isset( $parts['query'] ) || isset( $parts['fragment'] ) ) {
		return __( 'The service address must not end with a ?query or #fragment: leave out everything from the ? or #.', 'undersigned' );
	}
	if ( isset( $parts['user'] ) ) {
		return __( 'The service address must not hold a user name or password.', 'undersigned' );
	}
	return __( 'The service address holds characters a web address cannot: check what was pasted.', 'undersigned' );
}

/** An http(s) address reduced to scheme, host, port and a plain path; '' if it is anything else. */
function undersigned_clean_url( $url ) {
	$url   = trim( (string) $url );
	$parts = wp_parse_url( $url );
	if ( ! is_array( $parts ) || empty( $parts['host'] ) || empty( $parts['scheme'] ) ) {
		return '';
	}
	$scheme = strtolower( $parts['scheme'] );
	if ( 'https' !== $scheme && 'http' !== $scheme ) {
		return '';
	}
	if ( ! preg_match( '/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/', $parts['host'] ) ) {
		return '';
	}
	$base = $scheme . '://' . $parts['host'];
	if ( ! empty( $parts['port'] ) ) {
		$base .= ':' . (int) $parts['port'];
	}
	if ( isset( $parts['query'] ) || isset( $parts['fragment'] ) || isset( $parts['user'] ) ) {
		return '';
	}
	if ( ! empty( $parts['path'] ) ) {
		if ( ! preg_match( '#^[A-Za-z0-9/._-]*$#', $parts['path'] ) ) {
			return '';
		}
		$base .= rtrim( $parts['path'], '/' );
	}
	return $base;
}

/** Slugs and partner codes: lowercase letters, digits and hyphens. */
function undersigned_is_code( $value, $min = 1 ) {
	return is_string( $value ) && 1 === preg_match( '/^[a-z0-9-]{' . (int) $min . ',64}$/', $value );
}

/** What a misconfigured shortcode shows: a hint to editors, an HTML comment to visitors. */
function undersigned_notice( $message ) {
	if ( current_user_can( 'edit_posts' ) ) {
		return '<p class="undersigned-notice"><strong>Undersigned:</strong> ' . esc_html( $message ) . '</p>';
	}
	return '<!-- undersigned: ' . esc_html( $message ) . ' -->';
}

/**
 * [undersigned campaign="scrapsi445" source="nyas" title="…" height="720" url="https://…"]
 */
function undersigned_shortcode( $atts ) {
	$atts = shortcode_atts(
		array(
			'campaign' => '',
			'source'   => '',
			'title'    => '',
			'height'   => '720',
			'url'      => '',
		),
		$atts,
		'undersigned'
	);

	$campaign = strtolower( trim( (string) $atts['campaign'] ) );
	if ( ! undersigned_is_code( $campaign, 3 ) ) {
		return undersigned_notice( __( 'the campaign attribute must be the campaign\'s slug, such as scrapsi445.', 'undersigned' ) );
	}
	$base = undersigned_service_url( undersigned_service_base( $atts['url'] ) );
	if ( '' === $base ) {
		return undersigned_notice( __( 'set the service address under Settings, Undersigned.', 'undersigned' ) );
	}
	// Editors (never visitors) are told when the campaign will not show its form.
	$editor_notice = '';
	if ( current_user_can( 'edit_posts' ) ) {
		$state = undersigned_campaign_state( $base, $campaign );
		if ( 'missing' === $state ) {
			/* translators: 1: campaign slug, 2: service address */
			$editor_notice = undersigned_notice( sprintf( __( 'there is no open campaign "%1$s" at %2$s: check the slug, or ask the organisers to open it (a draft shows visitors nothing).', 'undersigned' ), $campaign, $base ) );
		} elseif ( 'closed' === $state ) {
			$editor_notice = undersigned_notice( __( 'this campaign has closed: visitors see that it is closed, and no form.', 'undersigned' ) );
		}
	}

	$src    = $base . '/embed/' . $campaign;
	$source = strtolower( trim( (string) $atts['source'] ) );
	if ( '' !== $source && undersigned_is_code( $source ) ) {
		$src .= '?source=' . $source;
	}
	$height = min( max( absint( $atts['height'] ), 200 ), 3000 );
	$title  = '' !== trim( (string) $atts['title'] ) ? (string) $atts['title'] : __( 'Sign this campaign', 'undersigned' );

	// embed.js from the service sizes this frame to the form inside it.
	wp_enqueue_script( 'undersigned-embed', $base . '/embed.js', array(), null, true );

	return $editor_notice . sprintf(
		'<iframe data-undersigned src="%1$s" title="%2$s" loading="lazy" style="display:block;width:100%%;max-width:40rem;height:%3$dpx;border:0"></iframe>',
		esc_url( $src ),
		esc_attr( $title ),
		$height
	);
}
add_shortcode( 'undersigned', 'undersigned_shortcode' );

/**
 * Whether the campaign shows a form: 'open', 'closed', 'missing' (unknown, or still a draft),
 * or '' when the service could not be asked. Asked at most every five minutes, and only when
 * an editor views the page.
 */
function undersigned_campaign_state( $base, $campaign ) {
	$key    = 'undersigned_state_' . md5( $base . '|' . $campaign );
	$cached = get_transient( $key );
	if ( false !== $cached ) {
		return $cached;
	}
	$answer = wp_remote_get( $base . '/v1/campaigns/' . $campaign, array( 'timeout' => 5 ) );
	$state  = '';
	if ( ! is_wp_error( $answer ) ) {
		$code = (int) wp_remote_retrieve_response_code( $answer );
		if ( 404 === $code ) {
			$state = 'missing';
		} elseif ( 200 === $code ) {
			$body  = json_decode( wp_remote_retrieve_body( $answer ), true );
			$state = ( is_array( $body ) && isset( $body['status'] ) && 'closed' === $body['status'] ) ? 'closed' : 'open';
		}
	}
	set_transient( $key, $state, 5 * 60 );
	return $state;
}

/** Whether the address answers as an Undersigned service; '' if it does, else why not. */
function undersigned_check_service( $base ) {
	$answer = wp_remote_get( $base . '/healthz', array( 'timeout' => 5 ) );
	if ( is_wp_error( $answer ) ) {
		return $answer->get_error_message();
	}
	$code = (int) wp_remote_retrieve_response_code( $answer );
	$body = json_decode( wp_remote_retrieve_body( $answer ), true );
	if ( 200 !== $code || ! is_array( $body ) || ! isset( $body['status'] ) || 'ok' !== $body['status'] ) {
		/* translators: %d: HTTP status code */
		return sprintf( __( 'it answered %d, not as the service does', 'undersigned' ), $code );
	}
	return '';
}

/**
 * Keeps what was pasted as the service's base address (a form's or embed.js's address is cut
 * back to it), and checks that it answers as the service. An address that cannot be one is
 * refused with the reason, and what was typed stays in the field to be corrected.
 */
function undersigned_sanitize_service_url( $value ) {
	$typed = trim( (string) $value );
	$clean = undersigned_clean_url( undersigned_service_base( $typed ) );
	if ( '' === $clean && '' !== $typed ) {
		add_settings_error( UNDERSIGNED_OPTION, 'undersigned-url', undersigned_url_problem( $typed ) );
		set_transient( 'undersigned_typed_url', $typed, 5 * 60 );
		return get_option( UNDERSIGNED_OPTION, '' );
	}
	delete_transient( 'undersigned_typed_url' );
	if ( '' !== $clean ) {
		$problem = undersigned_check_service( $clean );
		if ( '' !== $problem ) {
			/* translators: 1: the address, 2: what went wrong */
			add_settings_error( UNDERSIGNED_OPTION, 'undersigned-unreachable', sprintf( __( 'Saved, but %1$s does not answer as an Undersigned service (%2$s): check the address.', 'undersigned' ), $clean, $problem ), 'warning' );
		}
	}
	return $clean;
}

function undersigned_register_settings() {
	register_setting(
		'undersigned',
		UNDERSIGNED_OPTION,
		array(
			'type'              => 'string',
			'sanitize_callback' => 'undersigned_sanitize_service_url',
			'default'           => '',
		)
	);
	add_settings_section( 'undersigned_main', __( 'Service', 'undersigned' ), '__return_false', 'undersigned' );
	add_settings_field(
		UNDERSIGNED_OPTION,
		__( 'Service address', 'undersigned' ),
		'undersigned_render_url_field',
		'undersigned',
		'undersigned_main',
		array( 'label_for' => UNDERSIGNED_OPTION )
	);
}
add_action( 'admin_init', 'undersigned_register_settings' );

function undersigned_render_url_field() {
	// After a refusal, what was typed, so that it can be corrected rather than retyped.
	$typed = get_transient( 'undersigned_typed_url' );
	printf(
		'<input type="url" class="regular-text" id="%1$s" name="%1$s" value="%2$s" placeholder="https://sign.example.org"><p class="description">%3$s</p>',
		esc_attr( UNDERSIGNED_OPTION ),
		esc_attr( false !== $typed ? $typed : get_option( UNDERSIGNED_OPTION, '' ) ),
		esc_html__( 'The address of the Undersigned service your campaign runs on. Ask the organisers to add this site to the campaign\'s allowed origins, or the form will not show.', 'undersigned' )
	);
}

function undersigned_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	echo '<div class="wrap"><h1>' . esc_html__( 'Undersigned', 'undersigned' ) . '</h1><form method="post" action="options.php">';
	settings_fields( 'undersigned' );
	do_settings_sections( 'undersigned' );
	submit_button();
	echo '</form><p>' . esc_html__( 'Then put the form on any page or post with a shortcode block: [undersigned campaign="your-campaign" source="your-partner-code"].', 'undersigned' ) . '</p></div>';
}

function undersigned_menu() {
	add_options_page( 'Undersigned', 'Undersigned', 'manage_options', 'undersigned', 'undersigned_settings_page' );
}
add_action( 'admin_menu', 'undersigned_menu' );

/** A "Settings" link in the plugin's row on the Plugins screen. */
function undersigned_action_links( $links ) {
	$settings = '<a href="' . esc_url( admin_url( 'options-general.php?page=undersigned' ) ) . '">' . esc_html__( 'Settings', 'undersigned' ) . '</a>';
	array_unshift( $links, $settings );
	return $links;
}
add_filter( 'plugin_action_links_' . plugin_basename( __FILE__ ), 'undersigned_action_links' );
