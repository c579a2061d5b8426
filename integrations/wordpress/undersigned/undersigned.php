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
	$base = undersigned_service_url( $atts['url'] );
	if ( '' === $base ) {
		return undersigned_notice( __( 'set the service address under Settings, Undersigned.', 'undersigned' ) );
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

	return sprintf(
		'<iframe data-undersigned src="%1$s" title="%2$s" loading="lazy" style="display:block;width:100%%;max-width:40rem;height:%3$dpx;border:0"></iframe>',
		esc_url( $src ),
		esc_attr( $title ),
		$height
	);
}
add_shortcode( 'undersigned', 'undersigned_shortcode' );

/** Keeps only an http(s) address; anything else leaves the setting as it was. */
function undersigned_sanitize_service_url( $value ) {
	$clean = undersigned_clean_url( $value );
	if ( '' === $clean && '' !== trim( (string) $value ) ) {
		add_settings_error( UNDERSIGNED_OPTION, 'undersigned-url', __( 'The service address must start with https:// (or http://).', 'undersigned' ) );
		return get_option( UNDERSIGNED_OPTION, '' );
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
	printf(
		'<input type="url" class="regular-text" id="%1$s" name="%1$s" value="%2$s" placeholder="https://sign.example.org"><p class="description">%3$s</p>',
		esc_attr( UNDERSIGNED_OPTION ),
		esc_attr( get_option( UNDERSIGNED_OPTION, '' ) ),
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
